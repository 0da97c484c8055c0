import React, { useEffect, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import {
  createDataFrame,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  dateTime,
  FieldType,
  type GrafanaTheme2,
  LoadingState,
  type TimeRange,
} from '@grafana/data';
import { getDataSourceSrv, PanelRenderer } from '@grafana/runtime';
import { Alert, LinkButton, Stack, Text, useStyles2 } from '@grafana/ui';
import { from, isObservable, lastValueFrom } from 'rxjs';
import { apiGet } from '../../api/client';
import type { IncidentDetail, RcaResult } from '../../api/types';
import { testIds } from '../../testIds';
import { useWidth } from '../../shared/useWidth';

const DS_TYPE = 'aegis-datasource';
const BEFORE_MS = 30 * 60_000;
const AFTER_MS = 15 * 60_000;
const CANDIDATES = 3;
const MAX_SERIES = 4;

interface Target {
  key: string;
  title: string;
  service: string;
  metric?: string;
}

interface AnomalyEvent {
  service: string;
  metric: string;
  start: string;
  end: string;
  open: boolean;
  score: number;
}

/** What to draw: the signals that opened the incident, then the top root-cause candidates' evidence. */
export function evidenceTargets(incident: IncidentDetail, rca?: RcaResult): { opened: Target[]; candidates: Target[] } {
  const opened = new Map<string, Target>();
  for (const s of incident.signals) {
    const metric = (s.payload as { metric?: unknown } | null)?.metric;
    if (!s.service) continue;
    const m = typeof metric === 'string' ? metric : undefined;
    const key = `${s.service}/${m ?? '*'}`;
    opened.set(key, { key: `opened-${key}`, title: `${s.service}${m ? ` · ${m}` : ''}`, service: s.service, metric: m });
  }
  if (!opened.size) for (const svc of incident.services) opened.set(svc, { key: `opened-${svc}`, title: svc, service: svc });
  const candidates = (rca?.ranking ?? []).slice(0, CANDIDATES).map((c, n) => ({
    key: `candidate-${n + 1}`,
    title: `#${n + 1} ${c.service}${c.metric ? ` · ${c.metric}` : ''} (p ${(c.probability * 100).toFixed(1)}%)`,
    service: c.service,
    metric: c.metric,
  }));
  return { opened: [...opened.values()].slice(0, 4), candidates };
}

function timeRangeOf(incident: IncidentDetail, nowMs: number): TimeRange {
  const start = Date.parse(incident.started_at) - BEFORE_MS;
  const end = incident.resolved_at ? Math.min(nowMs, Date.parse(incident.resolved_at) + AFTER_MS) : nowMs;
  return { from: dateTime(start), to: dateTime(end), raw: { from: dateTime(start), to: dateTime(end) } };
}

/** Region annotations for anomaly windows and a point for the estimated fault time. */
export function annotationFrame(windows: AnomalyEvent[], faultTime: number | undefined, nowMs: number): DataFrame {
  const rows = windows.map((w) => ({
    time: Date.parse(w.start),
    timeEnd: w.open ? nowMs : Date.parse(w.end),
    isRegion: true,
    text: `anomaly on ${w.service} ${w.metric} (score ${w.score.toFixed(2)})`,
    color: 'rgba(242, 73, 92, 0.5)',
  }));
  if (faultTime !== undefined) {
    rows.push({ time: faultTime, timeEnd: faultTime, isRegion: false, text: 'fault time estimated by RCA', color: '#FF9830' });
  }
  return createDataFrame({
    name: 'annotations',
    fields: [
      { name: 'time', type: FieldType.time, values: rows.map((r) => r.time) },
      { name: 'timeEnd', type: FieldType.time, values: rows.map((r) => r.timeEnd) },
      { name: 'isRegion', type: FieldType.boolean, values: rows.map((r) => r.isRegion) },
      { name: 'text', type: FieldType.string, values: rows.map((r) => r.text) },
      { name: 'color', type: FieldType.string, values: rows.map((r) => r.color) },
    ],
  });
}

/** Explore on the Aegis datasource with the same query and time range. */
function exploreUrl(uid: string, t: Target, range: TimeRange): string {
  const panes = {
    a: {
      datasource: uid,
      queries: [{ refId: 'A', datasource: { type: DS_TYPE, uid }, queryType: 'anomalyScores', service: t.service, metric: t.metric ?? '' }],
      range: { from: String(range.from.valueOf()), to: String(range.to.valueOf()) },
    },
  };
  return `/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`;
}

async function runQuery(t: Target, range: TimeRange): Promise<{ frames: DataFrame[]; uid: string }> {
  const settings = getDataSourceSrv().getList({ pluginId: DS_TYPE })[0];
  if (!settings) throw new Error('no Aegis datasource is configured in this Grafana');
  const ds = await getDataSourceSrv().get({ type: DS_TYPE, uid: settings.uid });
  const span = range.to.valueOf() - range.from.valueOf();
  const intervalMs = Math.max(15_000, Math.round(span / 240));
  const request = {
    requestId: `aegis-evidence-${t.key}`,
    interval: `${Math.round(intervalMs / 1000)}s`,
    intervalMs,
    range,
    scopedVars: {},
    targets: [{ refId: 'A', queryType: 'anomalyScores', service: t.service, metric: t.metric }],
    timezone: 'browser',
    app: 'aegis-app',
    startTime: Date.now(),
  } as unknown as DataQueryRequest;
  const out = ds.query(request);
  const res: DataQueryResponse = isObservable(out) ? await lastValueFrom(out) : await lastValueFrom(from(out as Promise<DataQueryResponse>));
  return { frames: res.data as DataFrame[], uid: settings.uid };
}

const peak = (f: DataFrame) => Math.max(0, ...(f.fields[1]?.values ?? []).map((v: unknown) => (typeof v === 'number' ? v : 0)));

function EvidenceChart({ target, range, annotations, width }: { target: Target; range: TimeRange; annotations: DataFrame; width: number }) {
  const styles = useStyles2(getStyles);
  const [state, setState] = useState<{ frames?: DataFrame[]; uid?: string; error?: string }>({});
  const rangeKey = `${range.from.valueOf()}-${range.to.valueOf()}`;
  useEffect(() => {
    let live = true;
    runQuery(target, range).then(
      (r) => live && setState({ frames: [...r.frames].sort((a, b) => peak(b) - peak(a)).slice(0, MAX_SERIES), uid: r.uid }),
      (err: unknown) => live && setState({ error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      live = false;
    };
    // The range is keyed by its bounds; a new object with the same bounds is the same query.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [target.key, target.service, target.metric, rangeKey]);
  return (
    <div
      className={styles.chart}
      style={{ width }}
      data-testid={testIds.incidents.chart(target.key)}
      data-series={state.frames?.length ?? 0}
      data-regions={annotations.length}
    >
      <Stack justifyContent="space-between" alignItems="center">
        <Text weight="medium">{target.title}</Text>
        {state.uid && (
          <LinkButton size="sm" variant="secondary" fill="text" icon="compass" href={exploreUrl(state.uid, target, range)} target="_blank">
            Explore
          </LinkButton>
        )}
      </Stack>
      {state.error && (
        <Alert severity="warning" title="No chart">
          {state.error}
        </Alert>
      )}
      {state.frames && state.frames.length === 0 && <Text color="secondary">No anomaly score stored for this series in the window.</Text>}
      {state.frames && state.frames.length > 0 && (
        <PanelRenderer
          title={target.title}
          pluginId="timeseries"
          width={width}
          height={200}
          data={{ state: LoadingState.Done, series: state.frames, annotations: [annotations], timeRange: range }}
          options={{ legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] }, tooltip: { mode: 'multi', sort: 'desc' } }}
          fieldConfig={{ defaults: { min: 0, max: 1, unit: 'percentunit', custom: { fillOpacity: 10, lineWidth: 1 } }, overrides: [] }}
        />
      )}
    </div>
  );
}

/** The evidence drawn: anomaly score charts through the Aegis datasource, anomaly windows shaded, fault time marked. */
export function EvidenceSection({ incident, rca }: { incident: IncidentDetail; rca?: RcaResult & { fault_time?: string | null } }) {
  const styles = useStyles2(getStyles);
  const { ref, width } = useWidth<HTMLDivElement>();
  const [nowMs] = useState(() => Date.now());
  const range = useMemo(() => timeRangeOf(incident, nowMs), [incident, nowMs]);
  const { opened, candidates } = evidenceTargets(incident, rca);
  const [windows, setWindows] = useState<AnomalyEvent[]>([]);
  const services = [...new Set([...opened, ...candidates].map((t) => t.service))].sort().join(',');
  useEffect(() => {
    let live = true;
    void Promise.all(
      services.split(',').filter(Boolean).map((service) =>
        apiGet<{ items: AnomalyEvent[] }>('/api/v1/anomalies', { service, from: range.from.toISOString(), to: range.to.toISOString() }),
      ),
    ).then((all) => live && setWindows(all.flatMap((r) => (r.kind === 'ok' ? r.data.items : []))));
    return () => {
      live = false;
    };
  }, [services, range]);
  const faultTime = rca?.fault_time ? Date.parse(rca.fault_time) : undefined;
  const annotationsFor = (t: Target) =>
    annotationFrame(
      windows.filter((w) => w.service === t.service && (!t.metric || w.metric === t.metric)),
      faultTime,
      range.to.valueOf(),
    );
  const chartWidth = width > 900 ? Math.floor((width - 16) / 2) : width;
  return (
    <section className={styles.section} data-testid={testIds.incidents.evidence} ref={ref}>
      <Stack justifyContent="space-between" alignItems="center" wrap="wrap">
        <Text element="h3">Evidence</Text>
        <Text color="secondary" variant="bodySmall">
          Anomaly score (0–100%) through the Aegis datasource · shaded: anomaly windows
          {faultTime !== undefined ? ` · marked: fault time ${new Date(faultTime).toLocaleTimeString()}` : ''}
        </Text>
      </Stack>
      <Text color="secondary">Signals that opened the incident</Text>
      <div className={styles.grid}>
        {opened.map((t) => (
          <EvidenceChart key={t.key} target={t} range={range} annotations={annotationsFor(t)} width={chartWidth} />
        ))}
      </div>
      {candidates.length > 0 && (
        <>
          <Text color="secondary">Top root-cause candidates</Text>
          <div className={styles.grid}>
            {candidates.map((t) => (
              <EvidenceChart key={t.key} target={t} range={range} annotations={annotationsFor(t)} width={chartWidth} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  section: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    padding: theme.spacing(2),
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    minWidth: 0,
  }),
  grid: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2), minWidth: 0 }),
  chart: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5), minWidth: 0, overflow: 'hidden' }),
});
