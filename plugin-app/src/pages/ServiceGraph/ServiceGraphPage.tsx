import React, { useEffect, useRef, useState } from 'react';
import { PluginPage } from '@grafana/runtime';
import { ServiceGraphView } from '../../shared/ServiceGraphView';

/** Fills the page width; the Node Graph panel needs explicit pixel dimensions. */
function ServiceGraphPage() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(900);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(([entry]) => entry && setWidth(Math.max(320, Math.floor(entry.contentRect.width))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return (
    <PluginPage subTitle="Services and their calls: health as the ring colour, criticality as the size, the current root cause highlighted.">
      <div ref={ref}>
        <ServiceGraphView width={width} height={560} />
      </div>
    </PluginPage>
  );
}

export default ServiceGraphPage;
