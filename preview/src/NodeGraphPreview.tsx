// Grafana's Node Graph panel is core code and not on npm. The preview draws the same nodes/edges frames
// as a simple layered SVG so the page shows something faithful to the data: ring colour = health arcs,
// size = nodeRadius, a thick red ring = highlighted (the current root cause).
import React from 'react';
import type { DataFrame, GrafanaTheme2 } from '@grafana/data';

type Row = Record<string, unknown>;

function rows(frame: DataFrame | undefined): Row[] {
  if (!frame) return [];
  return Array.from({ length: frame.length }, (_, i) => Object.fromEntries(frame.fields.map((f) => [f.name.toLowerCase(), f.values[i]])));
}

function arcColor(frame: DataFrame, row: Row, theme: GrafanaTheme2): string {
  const arc = frame.fields.find((f) => f.name.startsWith('arc__') && Number(row[f.name.toLowerCase()]) >= 0.5);
  const c = arc?.config.color?.fixedColor ?? 'text';
  return c === 'text' ? theme.colors.text.secondary : theme.visualization.getColorByName(c);
}

/** Layers by longest path from the callers (entry services on the left). */
function layers(ids: string[], edges: Row[]): Map<string, number> {
  const depth = new Map(ids.map((id) => [id, 0]));
  for (let pass = 0; pass < ids.length; pass++) {
    let changed = false;
    for (const e of edges) {
      const s = depth.get(String(e.source));
      const t = depth.get(String(e.target));
      if (s !== undefined && t !== undefined && t < s + 1 && s + 1 < ids.length) {
        depth.set(String(e.target), s + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return depth;
}

export function NodeGraphPreview({ frames, width, height, theme }: { frames: DataFrame[]; width: number; height: number; theme: GrafanaTheme2 }) {
  const nodesFrame = frames.find((f) => f.name === 'nodes');
  const edgesFrame = frames.find((f) => f.name === 'edges');
  const nodes = rows(nodesFrame);
  const edges = rows(edgesFrame);
  if (!nodesFrame || nodes.length === 0) return <div style={{ width, height, color: theme.colors.text.secondary }}>No nodes</div>;
  const depth = layers(nodes.map((n) => String(n.id)), edges);
  const columns = Math.max(...depth.values()) + 1;
  const byColumn = new Map<number, string[]>();
  for (const n of nodes) byColumn.set(depth.get(String(n.id)) ?? 0, [...(byColumn.get(depth.get(String(n.id)) ?? 0) ?? []), String(n.id)]);
  const pos = new Map<string, { x: number; y: number }>();
  for (const [col, ids] of byColumn) {
    // Keep a margin for the labels under the bottom row.
    ids.forEach((id, i) => pos.set(id, { x: ((col + 0.5) * width) / columns, y: 10 + ((i + 0.5) * (height - 40)) / ids.length }));
  }
  // Shrink nodes and labels when a column holds more nodes than its height comfortably fits.
  const spacing = (height - 40) / Math.max(...[...byColumn.values()].map((c) => c.length));
  const scale = Math.max(0.35, Math.min(1, spacing / 95));
  return (
    <svg width={width} height={height} role="img" aria-label="service graph" style={{ display: 'block' }}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill={theme.colors.text.disabled} />
        </marker>
      </defs>
      {edges.map((e) => {
        const a = pos.get(String(e.source));
        const b = pos.get(String(e.target));
        if (!a || !b) return null;
        const r = 34 * scale;
        const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
        const [dx, dy] = [((b.x - a.x) / len) * r, ((b.y - a.y) / len) * r];
        return (
          <line key={String(e.id)} x1={a.x + dx} y1={a.y + dy} x2={b.x - dx} y2={b.y - dy} stroke={theme.colors.text.disabled} strokeWidth={1.2} markerEnd="url(#arrow)" />
        );
      })}
      {nodes.map((n) => {
        const p = pos.get(String(n.id));
        if (!p) return null;
        const r = Number(n.noderadius ?? 30) * 0.8 * scale;
        const root = n.highlighted === true;
        return (
          <g key={String(n.id)} data-node={String(n.id)} data-root-cause={root ? 'true' : undefined}>
            {root && <circle cx={p.x} cy={p.y} r={r + 7} fill="none" stroke={theme.colors.error.main} strokeWidth={4} />}
            <circle cx={p.x} cy={p.y} r={r} fill={theme.colors.background.secondary} stroke={arcColor(nodesFrame, n, theme)} strokeWidth={5} />
            {r >= 22 && (
              <text x={p.x} y={p.y + 4} textAnchor="middle" fontSize={11 * Math.max(0.8, scale)} fill={theme.colors.text.primary}>
                {String(n.mainstat ?? '')}
              </text>
            )}
            <text x={p.x} y={p.y + r + 12} textAnchor="middle" fontSize={scale < 0.7 ? 10 : 12} fill={theme.colors.text.primary} fontWeight={root ? 700 : 400}>
              {String(n.title ?? n.id)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
