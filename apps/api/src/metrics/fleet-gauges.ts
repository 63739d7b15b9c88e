import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AGENT_STATES, DOMAIN_EVENTS_QUEUE, DOMAIN_STATES, agentLifecycleQueue } from '@xeno/contracts';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { FleetAgents } from '../agents/fleet-agents.service';
import { LifecycleDispatcher } from '../queues/lifecycle-dispatcher.service';
import { Metrics } from './metrics';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Gauges read at scrape time from where the truth lives — Postgres for domains, the fleet view for agents,
 * BullMQ for queues — so every API replica reports the same figures and nothing drifts. Every known state
 * is reported (0 when empty), so a state that empties shows 0 rather than vanishing. When a source is
 * unreachable its gauges are left out of that scrape (and `xeno_scrape_source_up` says which).
 */
@Injectable()
export class FleetGauges implements OnModuleInit {
  private readonly logger = new Logger(FleetGauges.name);

  constructor(
    private readonly metrics: Metrics,
    private readonly dataSource: DataSource,
    private readonly fleet: FleetAgents,
    private readonly dispatcher: LifecycleDispatcher,
  ) {}

  onModuleInit(): void {
    const registers = [this.metrics.registry];
    const sourceUp = new Gauge({
      name: 'xeno_scrape_source_up',
      help: 'Whether a source of the fleet gauges answered during this scrape (1) or not (0)',
      labelNames: ['source'] as const,
      registers,
    });
    const guarded = async (source: string, read: () => Promise<void>) => {
      try {
        await read();
        sourceUp.set({ source }, 1);
      } catch (error) {
        sourceUp.set({ source }, 0);
        this.logger.debug(`metrics source ${source} unavailable: ${String(error)}`);
      }
    };
    const dataSource = this.dataSource;
    const fleet = this.fleet;
    const dispatcher = this.dispatcher;
    new Gauge({
      name: 'xeno_domains',
      help: 'Domains recorded by the control plane, by state',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        await guarded('domains', async () => {
          const rows: Array<{ state: string; count: number }> = await dataSource.query(
            `SELECT "state"::text AS state, COUNT(*)::int AS count FROM "domains" GROUP BY "state"`,
          );
          const counts = new Map(rows.map((row) => [row.state, row.count]));
          for (const state of DOMAIN_STATES) this.set({ state }, counts.get(state) ?? 0);
        });
      },
    });
    new Gauge({
      name: 'xeno_agents',
      help: 'Node agents known to the control plane, by state (ready, cordoned, draining, down)',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        await guarded('agents', async () => {
          const agents = await fleet.list();
          for (const state of AGENT_STATES)
            this.set({ state }, agents.filter((agent) => agent.state === state).length);
        });
      },
    });
    new Gauge({
      name: 'xeno_queue_jobs',
      help: "Jobs on the BullMQ queues (each agent's lifecycle queue, domain events), by state; failed = dead letters",
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        await guarded('queues', async () => {
          const agents = await fleet.list();
          const names = [DOMAIN_EVENTS_QUEUE, ...agents.map((agent) => agentLifecycleQueue(agent.agentId))];
          this.reset();
          for (const [queue, counts] of await dispatcher.jobCounts(names))
            for (const state of JOB_STATES) this.set({ queue, state }, counts[state] ?? 0);
        });
      },
    });
  }
}
