import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Badge, type Column, Field, Input, InteractiveTable, RadioButtonGroup, Text, useStyles2 } from '@grafana/ui';
import { apiGet } from '../../api/client';
import type { IacFinding } from '../../api/types';
import { useApi } from '../../api/useApi';
import { ApiStatus } from '../../shared/ApiStatus';
import { severityColor, severityRank } from '../../shared/format';
import { testIds } from '../../testIds';

const SEVERITY = ['', 'critical', 'high', 'medium', 'low', 'info'].map((v) => ({ label: v || 'all', value: v }));
const lines = (f: IacFinding) => (f.end_line && f.end_line !== f.line ? `:${f.line}-${f.end_line}` : `:${f.line}`);
const fixOf = (f: IacFinding) => (f.fix ? `${f.remediation} (set ${f.fix.path})` : f.remediation);

function IacPage() {
  const styles = useStyles2(getStyles);
  const [severity, setSeverity] = useState('');
  const [rule, setRule] = useState('');
  const [file, setFile] = useState('');
  const findings = useApi(
    () => apiGet<{ items: IacFinding[] }>('/api/v1/iac/findings', { severity, rule, file, limit: 500 }),
    [severity, rule, file],
  );
  const columns = useMemo<Array<Column<IacFinding>>>(
    () => [
      {
        id: 'severity',
        header: 'Severity',
        cell: ({ row }) => (
          <span className={styles.nowrap}>
            <Badge color={severityColor(row.original.severity)} text={row.original.severity} />
          </span>
        ),
        sortType: (a, b) => severityRank(b.original.severity) - severityRank(a.original.severity),
      },
      { id: 'rule', header: 'Rule', cell: ({ row }) => <code>{row.original.rule}</code>, sortType: 'alphanumeric' },
      { id: 'file', header: 'Location', cell: ({ row }) => `${row.original.file}${lines(row.original)}`, sortType: 'alphanumeric' },
      { id: 'resource', header: 'Resource', cell: ({ row }) => `${row.original.kind} ${row.original.resource}`, sortType: 'alphanumeric' },
      { id: 'message', header: 'Finding', cell: ({ row }) => <span className={styles.wrapText}>{row.original.message}</span> },
      { id: 'fix', header: 'Fix', cell: ({ row }) => <span className={styles.fix}>{fixOf(row.original)}</span> },
    ],
    [styles.fix, styles.nowrap, styles.wrapText],
  );
  return (
    <PluginPage subTitle="Infrastructure-as-code findings (Terraform, CloudFormation, Kubernetes manifests) from the last scans.">
      <div className={styles.filters}>
        <Field label="Severity">
          <RadioButtonGroup size="sm" options={SEVERITY} value={severity} onChange={setSeverity} />
        </Field>
        <Field label="Rule">
          <Input width={28} placeholder="e.g. k8s-container-no-liveness-probe" value={rule} onChange={(e) => setRule(e.currentTarget.value)} />
        </Field>
        <Field label="File">
          <Input width={24} placeholder="path contains" value={file} onChange={(e) => setFile(e.currentTarget.value)} />
        </Field>
      </div>
      <div data-testid={testIds.iac.table} className={styles.table}>
        <ApiStatus result={findings.result} what="IaC findings">
          {(data) =>
            data.items.length ? (
              <InteractiveTable
                columns={columns}
                data={data.items}
                getRowId={(f: IacFinding) => String(f.id)}
                pageSize={25}
                initialSortBy={[{ id: 'severity', desc: true }]}
              />
            ) : (
              <Text color="secondary">No findings match. Run a scan with `aegis iac scan` or POST /api/v1/iac/scan.</Text>
            )
          }
        </ApiStatus>
      </div>
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  filters: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(0, 2) }),
  table: css({ overflowX: 'auto', minWidth: 0 }),
  fix: css({ display: 'block', minWidth: 220, whiteSpace: 'normal', overflowWrap: 'anywhere', color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  wrapText: css({ display: 'block', minWidth: 200, whiteSpace: 'normal', overflowWrap: 'anywhere' }),
  nowrap: css({ whiteSpace: 'nowrap' }),
});

export default IacPage;
