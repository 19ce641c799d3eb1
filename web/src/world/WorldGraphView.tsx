/**
 * The world graph under the reader's position, drawn with React Flow: one
 * node per entity the API returned (nothing else exists here), edges between
 * them, a focus mode around the characters of the reader's current pages, and
 * the selected node's details. A plain list of the same entries sits beside
 * the drawing for keyboards and screen readers.
 */
import {
  Background,
  Controls,
  type Edge,
  Handle,
  type Node,
  type NodeProps,
  ReactFlow,
  ReactFlowProvider,
  Position as Side,
  useNodesState,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { WorldGraph, WorldNode } from '../../../src/contract/index.js';
import { EntityAvatar, KindIcon } from './EntityAvatar';
import { kindLook } from './kinds';
import { layoutNodes } from './layout';
import { NodeDetails } from './NodeDetails';
import './world.css';

type EntityData = { node: WorldNode };
type EntityFlowNode = Node<EntityData, 'entity'>;

function EntityNodeView({ data, selected }: NodeProps<EntityFlowNode>) {
  const n = data.node;
  return (
    <div className={`entity ${selected ? 'entity--selected' : ''} ${n.onPage ? 'entity--on-page' : ''}`} data-slug={n.slug} data-kind={n.kind}>
      {/* Edges run centre to centre (the handles sit in the middle, invisible). */}
      <Handle type="target" position={Side.Top} className="entity-handle" isConnectable={false} />
      <EntityAvatar node={n} size={52} />
      <span className="entity-name">{n.name}</span>
      <Handle type="source" position={Side.Bottom} className="entity-handle" isConnectable={false} />
    </div>
  );
}

const nodeTypes = { entity: EntityNodeView };

export interface WorldGraphViewProps {
  seriesId: string;
  graph: WorldGraph;
  /** Start with this node selected (a link from the wiki). */
  initialNode?: string | null;
  /** Start in focus mode when the current pages name anyone. */
  focusFirst: boolean;
  colorMode: 'light' | 'dark' | 'system';
  canAsk: boolean;
  onAsk?: (question: string) => void;
  onOpenArticle?: (slug: string) => void;
}

export default function WorldGraphView(props: WorldGraphViewProps) {
  return (
    <ReactFlowProvider>
      <Graph {...props} />
    </ReactFlowProvider>
  );
}

function focusSetOf(graph: WorldGraph): Set<string> {
  const on = new Set(graph.nodes.filter((n) => n.onPage).map((n) => n.slug));
  const out = new Set(on);
  for (const e of graph.edges) {
    if (on.has(e.source)) out.add(e.target);
    if (on.has(e.target)) out.add(e.source);
  }
  return out;
}

function Graph({ seriesId, graph, initialNode, focusFirst, colorMode, canAsk, onAsk, onOpenArticle }: WorldGraphViewProps) {
  const rf = useReactFlow();
  const positions = useMemo(() => layoutNodes(graph.nodes, graph.edges), [graph]);
  const focusSet = useMemo(() => focusSetOf(graph), [graph]);
  const canFocus = graph.nodes.some((n) => n.onPage);
  const [focus, setFocus] = useState(focusFirst && canFocus);
  const start = initialNode && graph.nodes.some((n) => n.slug === initialNode) ? initialNode : null;

  const build = useCallback(
    (selected: string | null, focusOn: boolean): EntityFlowNode[] =>
      graph.nodes.map((n) => ({
        id: n.slug,
        type: 'entity',
        position: positions.get(n.slug) ?? { x: 0, y: 0 },
        data: { node: n },
        selected: n.slug === selected,
        hidden: focusOn && !focusSet.has(n.slug) && n.slug !== selected,
        ariaLabel: `${n.name}, ${kindLook(n.kind).label.toLowerCase()}${n.onPage ? ', on your current page' : ''}`,
      })),
    [graph, positions, focusSet],
  );
  const [nodes, setNodes, onNodesChange] = useNodesState<EntityFlowNode>(build(start, focus));
  const selected = nodes.find((n) => n.selected)?.id ?? null;

  // New data (another position): start over from it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: starts over only on new data; focus and selection changes update the nodes in place (showFocus, select)
  useEffect(() => {
    setNodes((ns) => build(ns.find((n) => n.selected && graph.nodes.some((g) => g.slug === n.id))?.id ?? start, focus));
  }, [graph]);

  const showFocus = (on: boolean) => {
    setFocus(on);
    setNodes((ns) => ns.map((n) => ({ ...n, hidden: on && !focusSet.has(n.id) && !n.selected })));
    requestAnimationFrame(() => void rf.fitView({ padding: 0.25, duration: 250 }));
  };

  const select = (slug: string | null, center = false) => {
    setNodes((ns) => ns.map((n) => ({ ...n, selected: n.id === slug, hidden: n.hidden && n.id !== slug })));
    const p = slug ? positions.get(slug) : undefined;
    if (center && p) void rf.setCenter(p.x, p.y, { zoom: Math.max(rf.getZoom(), 1), duration: 250 });
  };

  // Two relationships between the same pair ("ally of", "grandfather of") are one line with both labels.
  const edges: Edge[] = useMemo(() => {
    const pairs = new Map<string, { source: string; target: string; kinds: string[] }>();
    for (const e of graph.edges) {
      const key = [e.source, e.target].sort().join('|');
      const pair = pairs.get(key) ?? { source: e.source, target: e.target, kinds: [] };
      pair.kinds.push(e.kind.replace(/_/g, ' '));
      pairs.set(key, pair);
    }
    return [...pairs.entries()].map(([key, p]) => {
      const active = selected !== null && (p.source === selected || p.target === selected);
      return {
        id: key,
        source: p.source,
        target: p.target,
        type: 'straight',
        className: active ? 'world-edge world-edge--active' : 'world-edge',
        label: active ? p.kinds.join(' · ') : undefined,
        focusable: false,
        selectable: false,
      };
    });
  }, [graph.edges, selected]);

  const focusPage = graph.focus.pages[graph.focus.pages.length - 1];
  // The list: who is on the page first, then by name (easier to find than the graph's debut order).
  const listed = graph.nodes.filter((n) => !focus || focusSet.has(n.slug)).sort((a, b) => Number(b.onPage) - Number(a.onPage) || a.name.localeCompare(b.name));
  const kinds = [...new Set(graph.nodes.map((n) => n.kind))];

  return (
    <div className="world-layout" data-focus={focus} data-testid="world-graph" data-nodes={graph.nodes.map((n) => n.slug).join(',')}>
      <div className="world-canvas">
        <div className="world-toolbar">
          <button
            type="button"
            className="button button--small"
            aria-pressed={focus}
            disabled={!canFocus}
            onClick={() => showFocus(!focus)}
            data-testid="world-focus"
            title={canFocus ? undefined : 'No one in the graph is named on your current page'}
          >
            {focus ? 'Show everyone' : 'Focus on my page'}
          </button>
          <span className="world-count" aria-live="polite">
            {focus && focusPage
              ? `Around episode ${focusPage.episode}, page ${focusPage.page}: ${listed.length} of ${graph.nodes.length}`
              : `${graph.nodes.length} entries`}
          </span>
          <ul className="world-legend" aria-label="Kinds">
            {kinds.map((k) => {
              const look = kindLook(k);
              return (
                <li key={k} style={{ color: look.color }}>
                  <KindIcon icon={look.icon} />
                  <span>{look.label}</span>
                </li>
              );
            })}
          </ul>
        </div>
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          nodeOrigin={[0.5, 0.5]}
          fitView
          fitViewOptions={{ padding: 0.25 }}
          minZoom={0.1}
          maxZoom={2.5}
          colorMode={colorMode}
          nodesConnectable={false}
          edgesFocusable={false}
          elementsSelectable
          multiSelectionKeyCode={null}
          selectionKeyCode={null}
          deleteKeyCode={null}
          onPaneClick={() => select(null)}
          aria-label="World graph"
        >
          <Background gap={24} size={1} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      <div className="world-side">
        {selected ? (
          <NodeDetails
            key={selected}
            seriesId={seriesId}
            slug={selected}
            canAsk={canAsk}
            onAsk={onAsk}
            onOpenArticle={onOpenArticle}
            onSelect={(slug) => select(slug, true)}
            onClose={() => select(null)}
          />
        ) : (
          <nav className="world-list" aria-label="Entries in the world graph">
            <h2 className="world-list-title">{focus ? 'On your page and around it' : 'Everyone and everything so far'}</h2>
            <ul>
              {listed.map((n) => (
                <li key={n.slug}>
                  <button type="button" className="world-list-item" onClick={() => select(n.slug, true)} data-slug={n.slug}>
                    <EntityAvatar node={n} size={28} />
                    <span>{n.name}</span>
                    {n.onPage ? <span className="badge badge--current">on your page</span> : null}
                  </button>
                </li>
              ))}
            </ul>
          </nav>
        )}
      </div>
    </div>
  );
}
