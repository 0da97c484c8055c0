import React from 'react';
import { css } from '@emotion/css';
import { useStyles2 } from '@grafana/ui';

/** A panel's scroll box: exactly the panel's size, scrolling inside instead of overflowing the dashboard. */
export function PanelBox({ width, height, children }: { width: number; height: number; children: React.ReactNode }) {
  const styles = useStyles2(() => ({ box: css({ overflow: 'auto', minWidth: 0 }) }));
  return (
    <div className={styles.box} style={{ width, height }}>
      {children}
    </div>
  );
}
