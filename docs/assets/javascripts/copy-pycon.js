// API 参考里的 docstring 例子是 `>>>` 交互式写法（pycon）。复制按钮只应复制代码本身：
// 取出以 ">>> " / "... " 开头的行、去掉提示符，写进 data-copy（Material 复制时优先用它）。
(function () {
  "use strict";

  function codeOnly(text) {
    return text.split("\n")
      .filter(function (line) { return /^(>>>|\.\.\.)( |$)/.test(line); })
      .map(function (line) { return line.slice(4); })
      .join("\n");
  }

  function prepare() {
    document.querySelectorAll(".language-pycon pre").forEach(function (pre) {
      var code = pre.querySelector("code");
      if (code && !pre.hasAttribute("data-copy")) pre.setAttribute("data-copy", codeOnly(code.innerText));
    });
  }

  if (typeof document$ !== "undefined") document$.subscribe(prepare);
  else document.addEventListener("DOMContentLoaded", prepare);
})();
