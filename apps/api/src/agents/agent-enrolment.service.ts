import { ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import {
  agentLifecycleQueue,
  type AgentEnrolmentRequest,
  type AgentEnrolmentResponse,
} from '@xeno/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../auth/secrets';
import { AGENT_FLEET_CONFIG, type AgentFleetConfig } from './agent-fleet-config';
import { AgentStore } from './agent-store.service';

/** Agent credentials start with this, so a leaked one is recognisable in logs and scanners. */
export const AGENT_CREDENTIAL_PREFIX = 'xa_';

/** Turns the shared enrolment secret into per-agent credentials, and credentials back into agent ids. */
@Injectable()
export class AgentEnrolment {
  constructor(
    private readonly store: AgentStore,
    @Inject(AGENT_FLEET_CONFIG) private readonly config: AgentFleetConfig,
  ) {}

  async enrol(request: AgentEnrolmentRequest): Promise<AgentEnrolmentResponse> {
    if (!this.config.enrolmentSecret) throw new ForbiddenException('agent enrolment is disabled on this API');
    if (!sameSecret(request.enrolmentSecret, this.config.enrolmentSecret)) {
      throw new ForbiddenException('wrong enrolment secret');
    }
    const credential = AGENT_CREDENTIAL_PREFIX + randomBytes(32).toString('base64url');
    await this.store.enrol({
      agentId: request.agentId,
      hostname: request.hostname,
      credentialHash: hashSecret(credential),
      capacity: request.capacity,
    });
    return { agentId: request.agentId, credential, lifecycleQueue: agentLifecycleQueue(request.agentId) };
  }

  /** The agent a Bearer credential belongs to; 401 for anything else. */
  async authenticate(credential: string | undefined): Promise<string> {
    const agentId = credential?.startsWith(AGENT_CREDENTIAL_PREFIX)
      ? await this.store.agentIdForCredential(hashSecret(credential))
      : undefined;
    if (!agentId) throw new UnauthorizedException('send a valid agent credential');
    return agentId;
  }
}

/** Constant-time comparison; hashing first makes the lengths equal without revealing the secret's length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
