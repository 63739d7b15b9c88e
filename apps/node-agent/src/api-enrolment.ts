import type { AgentEnrolmentRequest, AgentEnrolmentResponse, AgentHeartbeatRequest } from '@xeno/contracts';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface ApiEnrolmentOptions {
  apiUrl: string;
  agentId: string;
  /** Where the credential is kept, so a restarted agent is the same agent rather than a new one. */
  dataDir: string;
  /** The cluster's shared secret (AGENT_ENROLMENT_SECRET); without it only a stored credential works. */
  enrolmentSecret: string | undefined;
  fetch?: typeof fetch;
}

/** The API answered with a status that retrying will not change (wrong secret, bad request). */
export class EnrolmentRefused extends Error {}

const CREDENTIAL_FILE = 'agent-credential';

/**
 * The agent's identity towards the API: enrols once with the shared secret, keeps the per-agent credential
 * in its data dir (mode 0600), and sends HTTP heartbeats with it. A credential the API no longer knows
 * (401: database reset, or the agent was re-enrolled elsewhere) is dropped and the agent enrols again.
 */
export class ApiEnrolment {
  private credential: string | undefined;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ApiEnrolmentOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  private get credentialPath(): string {
    return path.join(this.options.dataDir, CREDENTIAL_FILE);
  }

  /** The stored credential, or a new one from enrolling. */
  async ensureCredential(capacity: AgentEnrolmentRequest['capacity']): Promise<string> {
    this.credential ??= await readFile(this.credentialPath, 'utf8').then(
      (text) => text.trim() || undefined,
      () => undefined,
    );
    if (this.credential) return this.credential;
    if (!this.options.enrolmentSecret) {
      throw new EnrolmentRefused('not enrolled and AGENT_ENROLMENT_SECRET is not set');
    }
    const body: AgentEnrolmentRequest = {
      agentId: this.options.agentId,
      hostname: os.hostname(),
      enrolmentSecret: this.options.enrolmentSecret,
      capacity,
    };
    const response = await this.post('/api/agents/enrol', body);
    if (response.status !== 201) {
      const detail = await response.text();
      const error = `enrolment answered ${response.status}: ${detail.slice(0, 200)}`;
      throw response.status >= 400 && response.status < 500 ? new EnrolmentRefused(error) : new Error(error);
    }
    const { credential } = (await response.json()) as AgentEnrolmentResponse;
    await mkdir(this.options.dataDir, { recursive: true });
    await writeFile(this.credentialPath, `${credential}\n`, { mode: 0o600 });
    this.credential = credential;
    return credential;
  }

  /** One heartbeat; enrols first when needed. Throws on failure (the caller logs and tries next beat). */
  async heartbeat(request: AgentHeartbeatRequest): Promise<void> {
    const credential = await this.ensureCredential(request.capacity);
    const response = await this.post('/api/agents/heartbeat', request, credential);
    if (response.status === 204) return;
    if (response.status === 401) await this.forgetCredential();
    throw new Error(`heartbeat answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }

  private async forgetCredential(): Promise<void> {
    this.credential = undefined;
    await rm(this.credentialPath, { force: true });
  }

  private post(route: string, body: unknown, credential?: string): Promise<Response> {
    return this.fetch(new URL(route, this.options.apiUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(credential ? { authorization: `Bearer ${credential}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  }
}
