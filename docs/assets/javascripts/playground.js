/* 训练游乐场：读构建时生成的 playground/index.json，用滑块和选择框切换图片。
 *
 * 不依赖任何库。页面里的静态图（书中设置训练完的决策边界）既是没有脚本时的后备，
 * 也告诉脚本生成文件放在哪个目录：index.json 与它同目录。
 * 只加载看得见的图；第一次拖动滑块时才预取当前设置的其余各帧。
 */
(function () {
  "use strict";

  var LABELS = {
    hidden_size: "隐藏层大小",
    lr: "学习率 η",
    optimizer: "优化器"
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function fmt(v, digits) {
    return v === null || v === undefined ? "—" : Number(v).toFixed(digits);
  }

  function keyOf(choice) {
    return "h" + choice.hidden_size + "-lr" + String(Number(choice.lr)) + "-" + choice.optimizer;
  }

  function build(root, data, base) {
    var byKey = {};
    data.panels.forEach(function (p) { byKey[p.key] = p; });
    var start = byKey[data["default"]] || data.panels[0];
    var choice = { hidden_size: start.hidden_size, lr: start.lr, optimizer: start.optimizer };
    var frame = data.epochs.length - 1;
    var prefetched = {};

    var controls = el("div", { "class": "nn-playground__controls" });
    Object.keys(data.grid).forEach(function (name) {
      var id = "nn-pg-" + name;
      var select = el("select", { id: id, "data-name": name });
      data.grid[name].forEach(function (v) {
        var opt = el("option", { value: String(v), text: String(v) });
        if (String(v) === String(choice[name])) opt.selected = true;
        select.appendChild(opt);
      });
      select.addEventListener("change", function () {
        choice[name] = name === "optimizer" ? select.value : Number(select.value);
        render();
      });
      controls.appendChild(el("label", { "for": id, text: LABELS[name] || name }));
      controls.appendChild(select);
    });

    var slider = el("input", {
      type: "range", min: "0", max: String(data.epochs.length - 1), step: "1",
      value: String(frame), id: "nn-pg-epoch", "aria-label": "轮次"
    });
    var epochText = el("output", { "for": "nn-pg-epoch", "class": "nn-playground__epoch" });
    slider.addEventListener("input", function () {
      frame = Number(slider.value);
      prefetch(current());
      render();
    });
    var sliderRow = el("div", { "class": "nn-playground__slider" },
      [el("label", { "for": "nn-pg-epoch", text: "轮次" }), slider, epochText]);

    var boundary = el("img", { "class": "nn-playground__boundary", alt: "" });
    var loss = el("img", { "class": "nn-playground__loss", alt: "" });
    var marker = el("div", { "class": "nn-playground__marker", "aria-hidden": "true" });
    var lossBox = el("div", { "class": "nn-playground__lossbox" }, [loss, marker]);
    var figures = el("div", { "class": "nn-playground__figures" }, [
      el("figure", {}, [boundary, el("figcaption", { text: "决策边界（背景）与训练数据（点）" })]),
      el("figure", {}, [lossBox, el("figcaption", { text: "每轮的平均损失；竖线是当前轮次" })])
    ]);
    var stats = el("p", { "class": "nn-playground__stats", "aria-live": "polite" });
    var code = el("code", {});
    var command = el("div", { "class": "nn-playground__command" }, [
      el("p", { text: "复现这个面板（训练到最后一轮）：" }), el("pre", {}, [code])
    ]);

    function current() { return byKey[keyOf(choice)]; }

    function prefetch(panel) {
      if (!panel || prefetched[panel.key]) return;
      prefetched[panel.key] = true;
      panel.frames.forEach(function (name) { new Image().src = base + name; });
    }

    function render() {
      var panel = current();
      if (!panel) {
        stats.textContent = "这个组合没有生成。";
        return;
      }
      var epoch = data.epochs[frame];
      var total = data.epochs[data.epochs.length - 1];
      boundary.src = base + panel.frames[frame];
      boundary.alt = "第 " + epoch + " 轮的决策边界（隐藏层 " + panel.hidden_size +
        "，学习率 " + panel.lr + "，" + panel.optimizer + "）";
      loss.src = base + panel.loss_image;
      loss.alt = "损失曲线（隐藏层 " + panel.hidden_size + "，学习率 " + panel.lr +
        "，" + panel.optimizer + "）";
      var g = panel.loss_axes;
      marker.style.left = (100 * (g.left + (g.right - g.left) * epoch / total)) + "%";
      marker.style.top = (100 * g.top) + "%";
      marker.style.height = (100 * (g.bottom - g.top)) + "%";
      marker.hidden = epoch === 0;
      epochText.textContent = "第 " + epoch + " 轮";
      var text = "第 " + epoch + " 轮：训练集准确率 " + fmt(100 * panel.accuracy_at[frame], 1) +
        " %，该轮平均损失 " + fmt(panel.loss_at[frame], 4);
      if (panel.diverged_at !== null && epoch >= panel.diverged_at) {
        text += "（训练在第 " + panel.diverged_at + " 轮发散，图停在发散前）";
      }
      stats.textContent = text;
      code.textContent = panel.command;
    }

    root.textContent = "";
    root.appendChild(controls);
    root.appendChild(sliderRow);
    root.appendChild(figures);
    root.appendChild(stats);
    root.appendChild(command);
    root.setAttribute("data-ready", "true");
    render();
  }

  // 从磁盘打开的离线归档（file://）里浏览器不许 fetch 本地文件：离线构建另写了一份
  // index.js（hooks/offline.py），用 <script> 载入，数据相同。
  function loadIndex(base) {
    if (location.protocol === "file:") {
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = base + "index.js";
        script.onload = function () {
          if (window.NN_PLAYGROUND_INDEX) resolve(window.NN_PLAYGROUND_INDEX);
          else reject(new Error("index.js 里没有数据"));
        };
        script.onerror = function () { reject(new Error("index.js 载入失败")); };
        document.head.appendChild(script);
      });
    }
    return fetch(base + "index.json").then(function (r) {
      if (!r.ok) throw new Error("index.json: HTTP " + r.status);
      return r.json();
    });
  }

  function init() {
    var root = document.querySelector(".nn-playground");
    if (!root || root.getAttribute("data-ready")) return;
    var img = root.querySelector("img");
    if (!img) return;
    var src = img.currentSrc || img.src;
    var base = src.slice(0, src.lastIndexOf("/") + 1);
    root.setAttribute("data-ready", "loading");
    loadIndex(base)
      .then(function (data) { build(root, data, base); })
      .catch(function (err) {
        root.setAttribute("data-ready", "");
        root.appendChild(el("p", { "class": "nn-playground__error",
          text: "游乐场数据没有加载成功：" + err.message }));
      });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);  // Material 的即时导航：每次换页都要初始化
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
