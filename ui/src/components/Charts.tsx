// Small inline-SVG charts (no chart library; colours come from CSS variables).

export function BarChart(props: { values: number[]; labels: string[]; title: string; format?: (v: number) => string; unit?: string }) {
  const { values, labels, title } = props;
  const format = props.format ?? ((v: number) => `${Math.round(v * 100)}%`);
  const W = 360;
  const H = 170;
  const top = 22;
  const bottom = 30;
  const gap = 12;
  const max = Math.max(...values, 0.0001);
  const bw = (W - gap * (values.length + 1)) / values.length;
  const summary = values.map((v, i) => `${labels[i]}: ${format(v)}`).join(", ");
  return (
    <svg class="chart bar-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}. ${summary}`} preserveAspectRatio="xMidYMid meet">
      <title>{title}</title>
      <line class="axis" x1={gap / 2} x2={W - gap / 2} y1={H - bottom} y2={H - bottom} />
      {values.map((v, i) => {
        const h = ((H - top - bottom) * v) / max;
        const x = gap + i * (bw + gap);
        const y = H - bottom - h;
        return (
          <g key={i}>
            <rect class="bar" x={x} y={y} width={bw} height={Math.max(h, v > 0 ? 2 : 0)} rx={6} />
            <text class="bar-value" x={x + bw / 2} y={y - 6} text-anchor="middle">
              {format(v)}
            </text>
            <text class="bar-label" x={x + bw / 2} y={H - bottom + 18} text-anchor="middle">
              {labels[i]}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export type Point = { x: number; y: number };

export function LineChart(props: {
  points: Point[];
  title: string;
  format: (v: number) => string;
  /** Fixed y range; defaults to the data's range with some air. */
  yMin?: number;
  yMax?: number;
}) {
  const { points, title, format } = props;
  const W = 360;
  const H = 170;
  const left = 40;
  const right = 14;
  const top = 16;
  const bottom = 28;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  let y0 = props.yMin ?? Math.min(...ys);
  let y1 = props.yMax ?? Math.max(...ys);
  if (y1 - y0 < 1e-9) {
    y0 -= 1;
    y1 += 1;
  } else if (props.yMin === undefined) {
    const pad = (y1 - y0) * 0.15;
    y0 = Math.max(0, y0 - pad);
    y1 += pad;
  }
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const sx = (x: number) => (x1 === x0 ? (left + W - right) / 2 : left + ((x - x0) / (x1 - x0)) * (W - left - right));
  const sy = (y: number) => top + (1 - (y - y0) / (y1 - y0)) * (H - top - bottom);
  const path = points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
  const area = `${path} L${sx(x1).toFixed(1)},${H - bottom} L${sx(x0).toFixed(1)},${H - bottom} Z`;
  const ticks = [y0, (y0 + y1) / 2, y1];
  const date = (ms: number) => new Date(ms).toLocaleDateString(undefined, { month: "short", day: "numeric" });
  const first = points[0];
  const last = points[points.length - 1];
  return (
    <svg
      class="chart line-chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`${title}: from ${format(first.y)} on ${date(first.x)} to ${format(last.y)} on ${date(last.x)}`}
      preserveAspectRatio="xMidYMid meet"
    >
      <title>{title}</title>
      {ticks.map((t, i) => (
        <g key={i}>
          <line class="grid" x1={left} x2={W - right} y1={sy(t)} y2={sy(t)} />
          <text class="tick" x={left - 6} y={sy(t) + 4} text-anchor="end">
            {format(t)}
          </text>
        </g>
      ))}
      <path class="area" d={area} />
      <path class="line" d={path} />
      {points.map((p, i) => (
        <circle key={i} class="dot" cx={sx(p.x)} cy={sy(p.y)} r={3.5} />
      ))}
      <text class="tick" x={left} y={H - 8} text-anchor="start">
        {date(x0)}
      </text>
      <text class="tick" x={W - right} y={H - 8} text-anchor="end">
        {date(x1)}
      </text>
    </svg>
  );
}
