import type { CreateDomainRequest, DomainView, ListImagesResponse, QuotaView } from '@xeno/contracts';
import { type FormEvent, useEffect, useState } from 'react';
import { apiRequest } from '../api/api-request';
import { useApiData } from '../api/use-api-data';
import { useSubmit } from '../auth/use-submit';
import { ErrorNote } from '../layout/ErrorNote';
import { createDomainProblem } from './create-domain-checks';
import { QuotaSummary } from './QuotaSummary';

export function CreateDomainForm({
  quota,
  onCreated,
}: {
  quota: QuotaView | undefined;
  onCreated: () => void;
}) {
  const images = useApiData<ListImagesResponse>('/api/images');
  const [imageId, setImageId] = useState('');
  const [name, setName] = useState('');
  const [memoryMiB, setMemoryMiB] = useState(0);
  const [vcpus, setVcpus] = useState(1);
  const submit = useSubmit();
  const image = images.data?.images.find((candidate) => candidate.id === imageId);

  // Picking an image fills in its defaults, as the catalog intends.
  useEffect(() => {
    const first = images.data?.images[0];
    if (!imageId && first) setImageId(first.id);
  }, [images.data, imageId]);
  useEffect(() => {
    if (!image) return;
    setMemoryMiB(image.defaults.memoryMiB);
    setVcpus(image.defaults.vcpus);
  }, [image]);

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const problem = createDomainProblem({ name, image, memoryMiB, vcpus }, quota);
    if (problem) return submit.setError(problem);
    const body: CreateDomainRequest = { name, imageId, memoryMiB, vcpus };
    void submit.run(async () => {
      await apiRequest<DomainView>('POST', '/api/domains', body);
      setName('');
      onCreated();
    });
  }
  return (
    <form className="card" aria-label="Create domain" onSubmit={onSubmit} noValidate>
      <h2>Create a domain</h2>
      <QuotaSummary quota={quota} />
      <ErrorNote error={images.error} />
      <label>
        Image
        <select value={imageId} onChange={(e) => setImageId(e.target.value)}>
          {images.data?.images.map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.name} {entry.version}
            </option>
          ))}
        </select>
      </label>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="web-1" />
      </label>
      <div className="form-row">
        <label>
          Memory (MiB)
          <input
            type="number"
            min={image?.minMemoryMiB ?? 1}
            value={memoryMiB}
            onChange={(e) => setMemoryMiB(e.target.valueAsNumber)}
          />
        </label>
        <label>
          vCPUs
          <input type="number" min={1} value={vcpus} onChange={(e) => setVcpus(e.target.valueAsNumber)} />
        </label>
      </div>
      <ErrorNote error={submit.error} />
      <button type="submit" disabled={submit.busy}>
        Create
      </button>
    </form>
  );
}
