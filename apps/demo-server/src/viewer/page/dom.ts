/** Building the page's nodes: never from markup, so nothing from the JSON reaches `innerHTML`. */

const SVG_NS = "http://www.w3.org/2000/svg";

/** A node of the page's markup by id; `T` is the kind of element the markup makes it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: unknown,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function svgEl(
  tag: string,
  attributes: Record<string, unknown>,
  text?: unknown,
): SVGElement {
  const node = document.createElementNS(SVG_NS, tag);
  for (const key of Object.keys(attributes)) node.setAttribute(key, String(attributes[key]));
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** A lane's name and the line under it, in the timeline's left gutter, from the lane's top `y`. */
export function gutterLabels(y: number, name: string, detail: string, detailColor = "#57606a") {
  return [
    svgEl("text", { x: 14, y: y + 11, "font-size": 13, "font-weight": 600, fill: "#1f2328" }, name),
    svgEl("text", { x: 14, y: y + 26, "font-size": 11, fill: detailColor }, detail),
  ];
}
