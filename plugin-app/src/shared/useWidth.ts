import { useEffect, useRef, useState } from 'react';

/** The content width of an element, kept up to date; panels need a number, not CSS. */
export function useWidth<T extends HTMLElement>(initial = 600) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const o = new ResizeObserver(([e]) => e && setWidth(Math.max(200, Math.floor(e.contentRect.width))));
    o.observe(el);
    return () => o.disconnect();
  }, []);
  return { ref, width };
}
