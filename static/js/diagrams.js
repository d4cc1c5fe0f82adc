// Mermaid diagrams in playbook Markdown. A fenced ```mermaid block arrives from the server as
// <pre><code class="language-mermaid">escaped source</code></pre> (playbook/markdown.py). This
// loader fetches the vendored Mermaid only when the page (or the editor's live preview) has
// such a block, renders each with securityLevel "strict", and leaves the source in place with
// the error above it when a diagram does not parse.
//
// The page's Content-Security-Policy allows no inline style: only <style> elements carrying
// the page's nonce, and styles set through the CSSOM (element.style). Mermaid sets style
// attributes and adds a <style> element while it draws, so for the length of a render
// (`whileRendering`) those two DOM calls are routed through the nonce and the CSSOM; the SVG
// it returns (already cleaned by its DOMPurify) is inserted with its styles moved out of the
// markup the same way (`insertSvg`), never parsed with them.
(() => {
  const loader = document.currentScript;
  const NONCE = loader.nonce;
  const MERMAID_URL = loader.dataset.mermaid;
  const BLOCKS = "pre > code.language-mermaid:not([data-diagram])";
  const SAFE_HREF = /^(#|https?:|mailto:|\/(?!\/))/i;
  // Tags of serialised markup: attribute values are double-quoted, so ">" may sit inside one.
  const TAG = /<[a-zA-Z][^\s/>]*(?:\s+[^\s"'>/=]+(?:="[^"]*")?)*\s*\/?>/g;
  const STYLE_ATTRIBUTE = /(\s)style="/g;
  const STYLE_ELEMENT = /<style\b[^>]*>([\s\S]*?)<\/style>/gi;
  let mermaidReady = null;
  let queue = Promise.resolve();
  let counter = 0;

  function loadMermaid() {
    if (!mermaidReady) {
      mermaidReady = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.nonce = NONCE;
        script.src = MERMAID_URL;
        script.onload = () => {
          window.mermaid.initialize({
            startOnLoad: false,
            securityLevel: "strict",
            suppressErrorRendering: true,
            htmlLabels: false, // SVG text: labels are never parsed as HTML
            flowchart: { htmlLabels: false },
            // Keys a diagram's own %%{init}%% directive may not change.
            secure: [
              "secure", "securityLevel", "startOnLoad", "maxTextSize", "suppressErrorRendering",
              "maxEdges", "htmlLabels", "dompurifyConfig",
            ],
          });
          resolve(window.mermaid);
        };
        script.onerror = () => reject(new Error("the diagram library did not load"));
        document.head.append(script);
      });
    }
    return mermaidReady;
  }

  // Markup without inline styles: each style="…" of a tag becomes data-diagram-style="…" and
  // each <style> element is cut out, its text handed to `keepCss` (or dropped without one).
  function withoutInlineStyles(markup, keepCss) {
    return markup
      .replace(STYLE_ELEMENT, (_, text) => {
        if (keepCss) keepCss(text);
        return "";
      })
      .replace(TAG, (tag) => tag.replace(STYLE_ATTRIBUTE, '$1data-diagram-style="'));
  }

  // Runs `work` (one Mermaid render of diagram `id`) with the three DOM calls that would meet
  // the CSP routed around it: style attributes go through the CSSOM, new <style> elements
  // carry the nonce, and markup parsed for DOMPurify (whose inert documents report
  // violations too) has its styles moved out first. The diagram's own CSS lands in `css`.
  async function whileRendering(id, css, work) {
    const setAttribute = Element.prototype.setAttribute;
    const createElement = Document.prototype.createElement;
    const parseFromString = DOMParser.prototype.parseFromString;
    const diagramMarkup = `<svg id="${id}"`;
    Element.prototype.setAttribute = function (name, value) {
      if (String(name).toLowerCase() === "style") {
        this.style.cssText = value;
        return undefined;
      }
      return setAttribute.call(this, name, value);
    };
    Document.prototype.createElement = function (...args) {
      const element = createElement.apply(this, args);
      if (element instanceof HTMLStyleElement) element.nonce = NONCE;
      return element;
    };
    DOMParser.prototype.parseFromString = function (markup, type) {
      const text = String(markup);
      const keepCss = text.includes(diagramMarkup) ? (rules) => css.push(rules) : null;
      return parseFromString.call(this, withoutInlineStyles(text, keepCss), type);
    };
    try {
      return await work();
    } finally {
      Element.prototype.setAttribute = setAttribute;
      Document.prototype.createElement = createElement;
      DOMParser.prototype.parseFromString = parseFromString;
    }
  }

  function insertSvg(holder, svgMarkup, css) {
    holder.innerHTML = withoutInlineStyles(svgMarkup, (rules) => css.push(rules));
    holder.querySelectorAll("*").forEach((element) => {
      for (const { name, value } of Array.from(element.attributes)) {
        const lower = name.toLowerCase();
        // Mermaid's DOMPurify has cleaned the markup; this is a second belt.
        if (lower.startsWith("on") || (lower.endsWith("href") && !SAFE_HREF.test(value.trim()))) {
          element.removeAttribute(name);
        } else if (lower === "data-diagram-style") {
          element.removeAttribute(name);
          element.style.cssText = value;
        }
      }
    });
    const style = document.createElement("style");
    style.nonce = NONCE;
    style.textContent = css.join("\n");
    holder.prepend(style);
  }

  function showError(figure, message) {
    const error = document.createElement("p");
    error.className = "diagram-error";
    error.setAttribute("role", "alert");
    error.textContent = `This diagram has an error, shown with its source below: ${message}`;
    figure.classList.add("diagram-failed");
    figure.prepend(error);
  }

  async function render(code) {
    if (!code.isConnected) return; // the live preview moved on before its turn came
    const pre = code.parentElement;
    const figure = document.createElement("figure");
    figure.className = "diagram";
    pre.replaceWith(figure);
    figure.append(pre);
    let mermaid;
    try {
      mermaid = await loadMermaid();
    } catch (problem) {
      showError(figure, problem.message);
      return;
    }
    const id = `pb-diagram-${++counter}`;
    try {
      const css = [];
      const { svg } = await whileRendering(id, css, () => mermaid.render(id, code.textContent));
      const holder = document.createElement("div");
      holder.className = "diagram-svg";
      insertSvg(holder, svg, css);
      figure.prepend(holder);
      figure.classList.add("diagram-rendered");
    } catch (problem) {
      document.getElementById(`d${id}`)?.remove(); // mermaid's scratch element
      showError(figure, String((problem && problem.message) || problem).slice(0, 500));
    }
  }

  function scan() {
    const blocks = Array.from(document.querySelectorAll(BLOCKS));
    for (const code of blocks) {
      code.dataset.diagram = "pending";
      queue = queue.then(() => render(code)).then(() => {
        code.dataset.diagram = "done";
      });
    }
    return queue;
  }

  let scheduled = false;
  new MutationObserver(() => {
    // The editor's live preview replaces its HTML as the user types.
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      scan();
    });
  }).observe(document.body, { childList: true, subtree: true });
  scan();
})();
