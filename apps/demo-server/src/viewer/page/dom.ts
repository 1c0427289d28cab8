/** Building the page's nodes: never from markup, so nothing from the JSON reaches `innerHTML`. */

const SVG_NS = "http://www.w3.org/2000/svg";

/** A node of the page's markup by id; `T` is the kind of element the markup makes it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** A child of a built node: a node, or text; `null`, `undefined` and `false` are left out. */
type Child = Node | string | number | null | undefined | false;

function withChildren<T extends Element>(node: T, children: Child[]): T {
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false)
      node.append(typeof child === "object" ? child : String(child));
  }
  return node;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  return withChildren(node, children);
}

export function svgEl(tag: string, attributes: Record<string, unknown>, ...children: Child[]) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const key of Object.keys(attributes)) node.setAttribute(key, String(attributes[key]));
  return withChildren(node, children);
}

/** Sets `attributes` on `node`, and returns it. */
export function withAttributes<T extends Element>(node: T, attributes: Record<string, string>): T {
  for (const key of Object.keys(attributes)) node.setAttribute(key, attributes[key]);
  return node;
}

/** An SVG line from (x1, y1) to (x2, y2). */
export function line(x1: number, y1: number, x2: number, y2: number, attributes = {}) {
  return svgEl("line", { x1, y1, x2, y2, ...attributes });
}

/** A lane's name and the line under it, in the timeline's left gutter, from the lane's top `y`. */
export function gutterLabels(y: number, name: string, detail: string, detailColor = "#57606a") {
  return [
    svgEl("text", { x: 14, y: y + 11, "font-size": 13, "font-weight": 600, fill: "#1f2328" }, name),
    svgEl("text", { x: 14, y: y + 26, "font-size": 11, fill: detailColor }, detail),
  ];
}
