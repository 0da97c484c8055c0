// Grafana's time series panel is core code and not on npm. The preview draws the frames PanelRenderer
// receives the way the panel would read them: one line per numeric field over the panel's time range,
// min/max from the field config, region annotations (time..timeEnd) shaded and point annotations as
// dashed markers, a legend with each series' display name.
import React from 'react';
import type { DataFrame, GrafanaTheme2, PanelData } from '@grafana/data';

const PALETTE = ['green', 'yellow', 'blue', 'orange', 'purple', 'red'];
const PAD = { left: 36, right: 8, top: 8, bottom: 20 };

interface Annotation {
  time: number;
  timeEnd: number;
  isRegion: boolean;
  text: string;
  color?: string;
}

function annotationsOf(frames: DataFrame[] | undefined): Annotation[] {
  const out: Annotation[] = [];
  for (const f of frames ?? []) {
    const col = (n: string) => f.fields.find((x) => x.name === n)?.values;
    const time = col('time') ?? [];
    for (let i = 0; i < f.length; i++) {
      const t = Number(time[i]);
      const end = Number(col('timeEnd')?.[i] ?? t);
      out.push({ time: t, timeEnd: end, isRegion: Boolean(col('isRegion')?.[i]) && end > t, text: String(col('text')?.[i] ?? ''), color: col('color')?.[i] as string | undefined });
    }
  }
  return out;
}

export function TimeSeriesPreview({ data, width, height, theme, fieldConfig }: { data?: PanelData; width: number; height: number; theme: GrafanaTheme2; fieldConfig?: { defaults?: { min?: number; max?: number } } }) {
  const from = data?.timeRange.from.valueOf() ?? 0;
  const to = data?.timeRange.to.valueOf() ?? 1;
  const min = fieldConfig?.defaults?.min ?? 0;
  const max = fieldConfig?.defaults?.max ?? 1;
  const legendH = 20;
  const plotH = Math.max(40, height - legendH);
  const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * (width - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - min) / Math.max(1e-9, max - min)) * (plotH - PAD.top - PAD.bottom);
  const series = (data?.series ?? []).flatMap((f) => {
    const time = f.fields.find((fl) => fl.type === 'time');
    return f.fields
      .filter((fl) => fl.type === 'number')
      .map((fl) => ({ name: fl.config.displayNameFromDS ?? f.name ?? fl.name, time: (time?.values ?? []) as number[], values: fl.values as Array<number | null> }));
  });
  const notes = annotationsOf(data?.annotations);
  const regions = notes.filter((a) => a.isRegion);
  const markers = notes.filter((a) => !a.isRegion);
  const grid = theme.colors.border.weak;
  return (
    <div data-testid="panel-renderer-timeseries" data-series={series.length} data-regions={regions.length} data-markers={markers.length}>
      <svg width={width} height={plotH} role="img" aria-label="time series">
        {[0, 0.5, 1].map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={width - PAD.right} y1={y(min + v * (max - min))} y2={y(min + v * (max - min))} stroke={grid} />
            <text x={PAD.left - 4} y={y(min + v * (max - min)) + 4} textAnchor="end" fontSize={10} fill={theme.colors.text.secondary}>
              {`${Math.round((min + v * (max - min)) * 100)}%`}
            </text>
          </g>
        ))}
        {regions.map((r, i) => (
          <rect key={`r${i}`} data-region x={x(Math.max(from, r.time))} y={PAD.top} width={Math.max(2, x(Math.min(to, r.timeEnd)) - x(Math.max(from, r.time)))} height={plotH - PAD.top - PAD.bottom} fill={r.color ?? theme.colors.error.transparent} opacity={0.35}>
            <title>{r.text}</title>
          </rect>
        ))}
        {series.map((s, i) => {
          const pts = s.time.map((t, k) => (s.values[k] === null || s.values[k] === undefined ? null : `${x(t)},${y(Number(s.values[k]))}`)).filter(Boolean);
          return <polyline key={s.name} points={pts.join(' ')} fill="none" strokeWidth={1.5} stroke={theme.visualization.getColorByName(PALETTE[i % PALETTE.length] ?? 'green')} />;
        })}
        {markers.map((m, i) => (
          <line key={`m${i}`} data-marker x1={x(m.time)} x2={x(m.time)} y1={PAD.top} y2={plotH - PAD.bottom} stroke={m.color ?? theme.colors.warning.main} strokeDasharray="4 3" strokeWidth={2}>
            <title>{m.text}</title>
          </line>
        ))}
        <text x={PAD.left} y={plotH - 4} fontSize={10} fill={theme.colors.text.secondary}>
          {new Date(from).toLocaleTimeString()}
        </text>
        <text x={width - PAD.right} y={plotH - 4} fontSize={10} textAnchor="end" fill={theme.colors.text.secondary}>
          {new Date(to).toLocaleTimeString()}
        </text>
      </svg>
      <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', fontSize: 12, color: theme.colors.text.secondary, height: legendH, overflow: 'hidden' }}>
        {series.map((s, i) => (
          <span key={s.name}>
            <span style={{ display: 'inline-block', width: 10, height: 3, marginRight: 4, verticalAlign: 'middle', background: theme.visualization.getColorByName(PALETTE[i % PALETTE.length] ?? 'green') }} />
            {s.name}
          </span>
        ))}
      </div>
    </div>
  );
}
