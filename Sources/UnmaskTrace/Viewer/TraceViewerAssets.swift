/// The viewer's inline style sheet and script (no external file, font or library).
enum TraceViewerAssets {
  /// CSS: runs side by side, token cells, masks as shaded boxes, the hover box.
  static let style = """
    body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
    header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid #ddd;
      padding: 8px 16px; z-index: 1; }
    h1 { font-size: 16px; margin: 0 0 6px; }
    .controls { display: flex; gap: 12px; align-items: center; }
    #slider { flex: 1; }
    #step-label { font-variant-numeric: tabular-nums; min-width: 14em; }
    #runs { display: flex; gap: 16px; padding: 16px; align-items: flex-start; }
    .run { flex: 1; min-width: 0; background: #fff; border: 1px solid #ddd; padding: 12px; }
    .run h2 { font-size: 14px; margin: 0 0 8px; word-break: break-all; }
    .text { font: 14px/1.7 ui-monospace, monospace; white-space: pre-wrap; word-break: break-all;
      margin-bottom: 12px; }
    .tok { border-radius: 2px; cursor: default; }
    .tok.prompt { color: #777; }
    .tok.now { background: #ffd8b0; }
    .tok.mask { color: #555; background: #ccc; }
    .tok.remasked { color: #fff; background: #d62728; }
    .tok.changed { outline: 2px solid #ff7f0e; outline-offset: -2px; }
    .tok:hover { outline: 1px solid #08306b; }
    canvas.heat { image-rendering: pixelated; max-width: 100%; border: 1px solid #ccc;
      cursor: crosshair; }
    .meta { color: #666; font-size: 12px; margin-bottom: 8px; }
    #tip { position: fixed; background: #222; color: #fff; font-size: 12px; padding: 6px 8px;
      border-radius: 4px; pointer-events: none; white-space: pre; z-index: 2; }
    """

  /// JavaScript: reads the embedded data, builds one column per run, redraws on every step.
  static let script = #"""
    "use strict";
    const MASK = "\u2591";
    const runs = JSON.parse(document.getElementById("trace-data").textContent);
    const slider = document.getElementById("slider");
    const label = document.getElementById("step-label");
    const playButton = document.getElementById("play");
    const tip = document.getElementById("tip");
    const maxStep = Math.max(0, ...runs.map(r => r.steps - 1));
    slider.max = String(maxStep);

    function fmt(v) { return v === null || v === undefined ? "n/a" : Number(v).toFixed(4); }

    // Each run: commit lookup by step and position, its DOM and its heatmap.
    const views = runs.map((run, index) => {
      const commitAt = new Map();
      for (const c of run.commits) commitAt.set(c.step * run.positions + c.pos, c);
      const column = document.createElement("section");
      column.className = "run";
      column.id = "run" + index;
      const title = document.createElement("h2");
      title.textContent = run.title + " (" + run.strategy + ")";
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = run.model + " \u00b7 " + run.steps + " steps \u00b7 " +
        run.positions + " positions \u00b7 prompt " + run.prompt_length;
      const text = document.createElement("div");
      text.className = "text";
      text.id = "run" + index + "-text";
      const cells = [];
      for (let p = 0; p < run.positions; p++) {
        const span = document.createElement("span");
        span.className = "tok";
        span.dataset.pos = String(p);
        span.addEventListener("mousemove", e => showTip(e, index, p));
        span.addEventListener("mouseleave", () => { tip.hidden = true; });
        cells.push(span);
        text.appendChild(span);
      }
      const heat = document.createElement("canvas");
      heat.className = "heat";
      heat.id = "run" + index + "-heatmap";
      const cell = Math.max(2, Math.min(16, Math.floor(640 / Math.max(run.positions, 1))));
      heat.width = run.positions * cell;
      heat.height = run.steps * cell;
      heat.addEventListener("click", e => {
        const rect = heat.getBoundingClientRect();
        const row = Math.floor((e.clientY - rect.top) / rect.height * run.steps);
        setStep(Math.max(0, Math.min(maxStep, row)));
      });
      column.append(title, meta, text, heat);
      document.getElementById("runs").appendChild(column);
      // Uniform-state runs: the positions each step changed, outlined.
      const changed = run.changed ? run.changed.map(list => new Set(list)) : null;
      return { run, commitAt, cells, heat, cell, text, changed, step: 0 };
    });

    function stateAt(view, step, pos) { return view.run.state[step * view.run.positions + pos]; }

    function cellText(view, step, pos) {
      const code = stateAt(view, step, pos);
      if (code === -3) return view.run.prompt_text[pos] || "";
      if (code >= 0) {
        const c = view.commitAt.get(code * view.run.positions + pos);
        return c ? c.text : "";
      }
      return MASK;
    }

    // heatmap colours, as heatmap.png draws them
    function mix(a, b, t) { return a.map((v, i) => Math.round(v + (b[i] - v) * t)); }
    function colour(code, row, steps) {
      if (code === -3) return [217, 217, 217];
      if (code === -1) return [64, 64, 64];
      if (code === -2) return [214, 39, 40];
      if (code === row) return [255, 127, 14];
      return mix([198, 219, 239], [8, 48, 107], code / Math.max(steps - 1, 1));
    }

    function drawHeatmap(view) {
      const { run, heat, cell } = view;
      const ctx = heat.getContext("2d");
      const image = ctx.createImageData(heat.width, heat.height);
      for (let s = 0; s < run.steps; s++) {
        for (let p = 0; p < run.positions; p++) {
          const rgb = colour(run.state[s * run.positions + p], s, run.steps);
          for (let dy = 0; dy < cell; dy++) {
            for (let dx = 0; dx < cell; dx++) {
              const o = ((s * cell + dy) * heat.width + p * cell + dx) * 4;
              image.data[o] = rgb[0]; image.data[o + 1] = rgb[1];
              image.data[o + 2] = rgb[2]; image.data[o + 3] = 255;
            }
          }
        }
      }
      view.image = image;
    }

    function render(view, step) {
      const s = Math.min(step, view.run.steps - 1);
      view.step = s;
      for (let p = 0; p < view.run.positions; p++) {
        const code = stateAt(view, s, p);
        const span = view.cells[p];
        span.textContent = cellText(view, s, p);
        span.className = "tok" + (code === -3 ? " prompt" : code === -1 ? " mask" :
          code === -2 ? " remasked" : code === s ? " now" : "") +
          (view.changed && view.changed[s].has(p) ? " changed" : "");
      }
      const ctx = view.heat.getContext("2d");
      ctx.putImageData(view.image, 0, 0);
      // current step: a red band across the row
      ctx.strokeStyle = "#e00000";
      ctx.lineWidth = 2;
      ctx.strokeRect(1, s * view.cell + 1, view.heat.width - 2, view.cell - 2);
    }

    function showTip(event, index, pos) {
      const view = views[index];
      const run = view.run;
      const s = view.step;
      const code = stateAt(view, s, pos);
      let lines = ["position " + pos];
      if (code === -3) {
        lines.push("prompt token " + JSON.stringify(run.prompt_text[pos] || ""));
      } else if (code >= 0) {
        const c = view.commitAt.get(code * run.positions + pos);
        const k = code * run.positions + pos;
        lines.push("token " + JSON.stringify(c ? c.text : "") + (c ? " (id " + c.token + ")" : ""));
        lines.push("committed at step " + code + " (block " + run.blocks[code] + ")");
        lines.push("confidence " + fmt(run.confidence[k]) + "   entropy " + fmt(run.entropy[k]));
        if (c && c.score !== undefined && c.score !== null) lines.push("score " + fmt(c.score));
        if (c && c.alternatives) lines.push("alternatives " + c.alternatives.join(", "));
      } else {
        const k = s * run.positions + pos;
        lines.push(code === -2 ? "re-masked at this step" : "masked");
        lines.push("confidence " + fmt(run.confidence[k]) + "   entropy " + fmt(run.entropy[k]));
      }
      tip.textContent = lines.join("\n");
      tip.style.left = (event.clientX + 12) + "px";
      tip.style.top = (event.clientY + 12) + "px";
      tip.hidden = false;
    }

    function setStep(step, updateAddress = true) {
      const s = Math.max(0, Math.min(maxStep, step | 0));
      slider.value = String(s);
      views.forEach(v => render(v, s));
      const masked = views.map(v => v.run.state.slice(v.step * v.run.positions,
        (v.step + 1) * v.run.positions).filter(c => c < 0 && c !== -3).length);
      label.textContent = "step " + s + " / " + maxStep + " \u00b7 masked " + masked.join(" | ");
      document.body.dataset.step = String(s);
      if (updateAddress) history.replaceState(null, "", "#step=" + s);
    }

    let timer = null;
    playButton.addEventListener("click", () => {
      if (timer) {
        clearInterval(timer); timer = null; playButton.textContent = "play";
        return;
      }
      if (Number(slider.value) >= maxStep) setStep(0);
      playButton.textContent = "pause";
      timer = setInterval(() => {
        const next = Number(slider.value) + 1;
        if (next > maxStep) { clearInterval(timer); timer = null; playButton.textContent = "play"; }
        else setStep(next);
      }, 150);
    });
    slider.addEventListener("input", () => setStep(Number(slider.value)));

    function stepFromAddress() {
      const m = /(?:^|[#?&])step=(\d+)/.exec(location.hash + "&" + location.search);
      return m ? Number(m[1]) : maxStep;
    }
    views.forEach(drawHeatmap);
    setStep(stepFromAddress(), false);
    window.addEventListener("hashchange", () => setStep(stepFromAddress(), false));
    """#
}
