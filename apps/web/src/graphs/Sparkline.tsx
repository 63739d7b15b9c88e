/** A small live line graph of the last samples, scaled to `max` (or to the largest sample). */
export function Sparkline({
  label,
  samples,
  max,
  format,
}: {
  label: string;
  samples: number[];
  max?: number;
  format: (value: number) => string;
}) {
  const width = 160;
  const height = 40;
  const top = Math.max(max ?? 0, ...samples, 1e-9);
  // One sample is drawn as a flat line across, so a fresh graph is not empty.
  const drawn = samples.length === 1 ? [samples[0]!, samples[0]!] : samples;
  const step = drawn.length > 1 ? width / (drawn.length - 1) : width;
  const points = drawn
    .map((value, i) => `${(i * step).toFixed(1)},${(height - (value / top) * height).toFixed(1)}`)
    .join(' ');
  const latest = samples.at(-1);
  return (
    <figure className="sparkline">
      <figcaption>
        {label}: <strong data-testid={`graph-${label}`}>{latest === undefined ? '—' : format(latest)}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label}>
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
      </svg>
    </figure>
  );
}
