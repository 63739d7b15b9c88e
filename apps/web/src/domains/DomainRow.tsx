import type { DomainView } from '@xeno/contracts';
import { StateBadge } from './StateBadge';

export function DomainRow({ domain }: { domain: DomainView }) {
  return (
    <tr>
      <td>
        <a href={`#/domains/${encodeURIComponent(domain.id)}`}>{domain.name}</a>
      </td>
      <td>
        <StateBadge state={domain.state} />
      </td>
      <td>{domain.imageId}</td>
      <td>{domain.memoryMiB} MiB</td>
      <td>{domain.vcpus}</td>
    </tr>
  );
}
