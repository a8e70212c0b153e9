// 用站点自带的 KaTeX 渲染公式：arithmatex 输出的 .arithmatex 元素，以及笔记本页面的 Markdown 单元。
// Material 的 document$ 在每次（含即时导航后的）页面加载时触发，所以在这里重新渲染。
(function () {
  "use strict";

  var options = { throwOnError: false, strict: "ignore" };

  function renderArithmatex(root) {
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      if (el.dataset.katexRendered) return;
      var tex = el.textContent.trim();
      var display = el.tagName === "DIV";
      // generic 模式下行内公式包在 \( \) 里，行间公式包在 \[ \] 里。
      if (tex.startsWith("\\(") || tex.startsWith("\\[")) tex = tex.slice(2, -2);
      katex.render(tex, el, Object.assign({ displayMode: display }, options));
      el.dataset.katexRendered = "1";
    });
  }

  function renderNotebookMarkdown(root) {
    root.querySelectorAll(".jupyter-wrapper .jp-RenderedMarkdown").forEach(function (el) {
      renderMathInElement(el, Object.assign({
        delimiters: [
          { left: "$$", right: "$$", display: true },
          { left: "\\[", right: "\\]", display: true },
          { left: "$", right: "$", display: false },
          { left: "\\(", right: "\\)", display: false }
        ]
      }, options));
    });
  }

  function renderAll() {
    renderArithmatex(document.body);
    renderNotebookMarkdown(document.body);
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(renderAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
})();
