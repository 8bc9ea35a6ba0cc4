"""Open one notebook in JupyterLab, run it, and check what a student would see.

The checks, in order: every code cell ran and none shows an error (also inside widgets); every
widget the kernel displayed is rendered (no "Error displaying widget"); and every control of every
interactive widget (slider, dropdown, text box, toggle buttons, check box, radio buttons) changes
the widget's output when moved. Each control is moved back before the next one is tried, so every
control is judged from the state the notebook left the widget in.
"""

from __future__ import annotations

import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .budgets import run_all_budget, time_scale
from .lab import LabServer

# Budgets in seconds on the reference machine (two idle cores); each wait multiplies its budget by
# the machine's time scale (budgets.py), and Run All has a budget of its own per notebook.
PAGE_READY_TIMEOUT_S = 90  # JupyterLab's first load and a kernel start
WIDGETS_SETTLE_TIMEOUT_S = 30
CHANGE_TIMEOUT_S = 60  # one callback, e.g. a model's prediction for a new sentence
RESTORE_TIMEOUT_S = 30
SLIDER_STEPS = 3
SLIDER_MOVE_TIMEOUT_S = 2  # a handle moves at once on a key press, or not at all at the range's end
SCREENSHOT_MAX_HEIGHT = 16_000  # pixels; Chromium cannot capture much taller pages in one image

# Installed in the page as window.__notebookCheck; reads the notebook through window.jupyterapp
# (exposed by --LabApp.expose_app_in_browser) and the DOM that ipywidgets renders.
_PAGE_HELPERS = r"""() => {
  const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';
  const WIDGET_ERROR = 'Error displaying widget';
  const TRACEBACK = 'Traceback (most recent call last)';
  // Where a widget shows its result; the controls' own readouts are not part of it.
  const OUTPUTS = '.widget-output, .widget-html-content, .widget-htmlmath-content, .widget-image, ' +
                  'div.widget-label, .widget-textarea textarea:disabled, .widget-text input:disabled';
  const NOT_OUTPUT = '.widget-readout, select, button, input:not(:disabled), textarea:not(:disabled), ' +
                     'label.widget-label, .noUi-target';
  const panel = () => window.jupyterapp.shell.currentWidget;

  function fnv(text) {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) { h ^= text.charCodeAt(i); h = Math.imul(h, 16777619); }
    return (h >>> 0).toString(16);
  }

  // State of the renderer of one widget-view output: rendered, closed (by the notebook), error, pending.
  function widgetState(child) {
    const el = child && child.querySelector(':scope > .jp-OutputArea-output');
    if (!el) return 'not shown';
    if (el.textContent.includes(WIDGET_ERROR)) return 'error';
    const hidden = el.classList.contains('lm-mod-hidden');
    if (el.querySelector(':scope > .jupyter-widgets')) return hidden ? 'closed' : 'rendered';
    // ipywidgets hides the renderer when its widget is closed (a finished tqdm bar with leave=False).
    if (hidden && !el.children.length) return 'closed';
    return 'pending';
  }

  function codeCells() {
    const out = [];
    panel().content.widgets.forEach((cell, index) => {
      if (cell.model.type === 'code') out.push({cell, index});
    });
    return out;
  }

  function outputChildren(cell) {
    return cell.outputArea ? [...cell.outputArea.node.querySelectorAll(':scope > .jp-OutputArea-child')] : [];
  }

  // Errors shown inside Output widgets (interact's too): they are not in the cells' own outputs.
  function nestedTracebacks() {
    const cells = panel().content.widgets;
    return [...panel().content.node.querySelectorAll('.widget-output .jp-OutputArea-output')]
      .filter(el => el.innerText.includes(TRACEBACK))
      .map(el => ({cell: cells.findIndex(c => c.node.contains(el)),
                   error: el.innerText.trim().split('\n').slice(-1)[0]}));
  }

  function summary() {
    const cells = codeCells().map(({cell, index}) => {
      const children = outputChildren(cell);
      const outputs = [];
      for (let j = 0; j < cell.model.outputs.length; j++) {
        const o = cell.model.outputs.get(j).toJSON();
        const entry = {type: o.output_type};
        if (o.output_type === 'error') {
          entry.ename = o.ename;
          entry.evalue = o.evalue;
          // The line the traceback points at ('---> 21 ...'), without its ANSI colours.
          const marked = (o.traceback || []).join('\n').replace(/\u001b\[[0-9;]*m/g, '')
            .split('\n').filter(line => /^\s*-+>\s*\d+/.test(line));
          entry.line = marked.length ? marked[marked.length - 1].replace(/^\s*-+>\s*\d+/, '').trim() : '';
        }
        if (o.data && o.data[WIDGET_MIME]) entry.widget = widgetState(children[j]);
        outputs.push(entry);
      }
      return {index, count: cell.model.executionCount,
              empty: !cell.model.sharedModel.getSource().trim(), outputs};
    });
    return {cells, nestedTracebacks: nestedTracebacks(),
            widgetErrorText: panel().content.node.innerText.includes(WIDGET_ERROR)};
  }

  function widgetsSettled() {
    return codeCells().every(({cell}) => {
      const children = outputChildren(cell);
      for (let j = 0; j < cell.model.outputs.length; j++) {
        const data = cell.model.outputs.get(j).data;
        if (data && data[WIDGET_MIME] && widgetState(children[j]) === 'pending') return false;
      }
      return true;
    });
  }

  function labelOf(el, kind) {
    const row = el.closest('.widget-inline-hbox, .widget-toggle-buttons, .widget-radio, .widget-checkbox');
    const label = row && (row.querySelector(':scope > .widget-label') || row.querySelector('.widget-label'));
    // A check box's description is beside the box; its label holds only a zero-width space.
    const clean = t => (t || '').replace(/\u200b/g, '').trim();
    const text = clean(label && label.textContent);
    const beside = row && row.classList.contains('widget-checkbox') ? clean(row.textContent) : '';
    return text || beside || kind;
  }

  // Tag every rendered top-level widget view and its controls so Playwright can address them.
  function tagViews() {
    const views = [];
    codeCells().forEach(({cell, index}) => {
      outputChildren(cell).forEach((child, j) => {
        const el = child.querySelector(':scope > .jp-OutputArea-output:not(.lm-mod-hidden)');
        const view = el && el.querySelector(':scope > .jupyter-widgets');
        if (!view) return;
        const tag = `c${index}o${j}`;
        view.setAttribute('data-notebook-check', tag);
        const found = [];
        const add = (kind, el) => found.push({kind, el});
        view.querySelectorAll('.widget-slider .noUi-handle').forEach(h => {
          if (!h.closest('.noUi-target').hasAttribute('disabled')) add('slider', h);
        });
        view.querySelectorAll('.widget-dropdown select, .widget-select select').forEach(s => {
          if (!s.disabled) add('dropdown', s);
        });
        view.querySelectorAll('.widget-toggle-buttons').forEach(g => add('toggle buttons', g));
        view.querySelectorAll('.widget-radio-box').forEach(g => add('radio buttons', g));
        view.querySelectorAll('.widget-checkbox input[type=checkbox]').forEach(c => {
          if (!c.disabled) add('check box', c);
        });
        view.querySelectorAll('.widget-textarea textarea, .widget-text input').forEach(t => {
          if (!t.disabled) add(t.type === 'number' ? 'number box' : 'text box', t);
        });
        // In the order a student sees them, top to bottom.
        found.sort((a, b) => (a.el.compareDocumentPosition(b.el) & Node.DOCUMENT_POSITION_FOLLOWING) ? -1 : 1);
        const controls = found.map(({kind, el}, k) => {
          el.setAttribute('data-notebook-check-control', `${tag}k${k}`);
          return {tag: `${tag}k${k}`, kind, label: labelOf(el, kind)};
        });
        views.push({tag, cell: index, output: j, controls,
                    hasOutput: view.querySelectorAll(OUTPUTS).length > 0});
      });
    });
    return views;
  }

  // What a view shows: its output regions' HTML (text, styles, images), compared before and after a
  // change. A view without an output region of its own is judged by every widget output in the notebook.
  function signature(tag) {
    const view = document.querySelector(`[data-notebook-check="${tag}"]`);
    let outputs = view ? [...view.querySelectorAll(OUTPUTS)] : [];
    if (view && !outputs.length) outputs = [...panel().content.node.querySelectorAll(OUTPUTS)];
    const html = [], texts = [];
    for (const el of outputs) {
      if (el.matches('textarea, input')) { html.push(el.value); texts.push(el.value); continue; }
      const copy = el.cloneNode(true);
      copy.querySelectorAll(NOT_OUTPUT).forEach(n => n.remove());
      // clear_output(wait=True) leaves sizing styles on the output area: layout, not content.
      copy.querySelectorAll('.jp-OutputArea, .jp-OutputArea-child, [style=""]').forEach(
        n => n.removeAttribute('style'));
      html.push(copy.outerHTML);
      texts.push(copy.textContent);
    }
    const text = texts.join(' | ').replace(/\s+/g, ' ').trim();
    const failed = texts.find(t => t.includes(TRACEBACK) || t.includes(WIDGET_ERROR));
    const error = failed ? failed.trim().split('\n').slice(-1)[0].trim() : null;
    return {key: fnv(html.join('\u0000')), text: text.slice(0, 200), error};
  }

  function busyCell() {
    const prompts = [...panel().content.node.querySelectorAll('.jp-InputArea-prompt')];
    return prompts.findIndex(p => p.textContent.includes('*'));
  }

  function kernelStatus() {
    const session = panel().sessionContext.session;
    return session && session.kernel ? session.kernel.status : 'no kernel';
  }

  window.__notebookCheck = {summary, widgetsSettled, tagViews, signature, busyCell, kernelStatus};
}"""

_NOTEBOOK_OPEN = """(path) => {
  const dialog = document.querySelector('.jp-Dialog');
  if (dialog) return 'dialog: ' + dialog.innerText.replace(/\\s+/g, ' ').slice(0, 300);
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path || !panel.context.isReady) return false;
  const session = panel.sessionContext.session;
  const kernel = session && session.kernel;
  return Boolean(kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle') && 'ready';
}"""

# Run All Cells, the command behind the Run menu's entry; its promise settles when the last cell has run.
_START_RUN_ALL = """() => {
  const app = window.jupyterapp;
  app.shell.collapseLeft();
  app.shell.collapseRight();
  window.__runAll = null;
  app.commands.execute('notebook:run-all-cells').then(
    ok => { window.__runAll = {ok}; }, error => { window.__runAll = {error: String(error)}; });
}"""

_RUN_ALL_FINISHED = """() => {
  const dialog = document.querySelector('.jp-Dialog');  // e.g. 'the kernel appears to have died'
  if (dialog) return 'dialog: ' + dialog.innerText.replace(/\\s+/g, ' ').slice(0, 300);
  const check = window.__notebookCheck;
  return window.__runAll !== null && check.kernelStatus() === 'idle' && check.busyCell() < 0 && 'done';
}"""

_SCROLL_HEIGHT = """() => {
  const outer = window.jupyterapp.shell.currentWidget.content.outerNode;
  outer.scrollTop = 0;
  return {content: outer.scrollHeight, visible: outer.clientHeight, window: window.innerHeight};
}"""


@dataclass
class Report:
    """What the browser saw in one notebook."""

    notebook: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    code_cells: int = 0
    cells_run: int = 0
    widgets_displayed: int = 0
    widgets_rendered: int = 0
    widgets_closed: int = 0
    interactions: list[str] = field(default_factory=list)
    interactive_widgets: int = 0  # rendered widgets with at least one control
    seconds: float = 0.0
    time_scale: float = 1.0  # every budget was multiplied by this (budgets.py)
    run_all_budget_s: float = 0.0

    def as_dict(self) -> dict:
        """The report as plain data, for a JSON file next to the screenshot."""
        return asdict(self)


def _wait(page: Page, script: str, timeout_s: float, arg=None, polling: float | str = 250):
    """Wait until ``script`` returns a truthy value in the page; return that value."""
    handle = page.wait_for_function(script, arg=arg, timeout=timeout_s * 1000, polling=polling)
    return handle.json_value()


def _open(page: Page, lab: LabServer, path: str, scale: float) -> None:
    """Open ``path`` in a fresh workspace (``?reset``: no restored tabs) and wait for an idle kernel."""
    page.goto(f"{lab.url}/lab/tree/{urllib.parse.quote(path)}?reset", wait_until="domcontentloaded",
              timeout=PAGE_READY_TIMEOUT_S * scale * 1000)
    state = _wait(page, _NOTEBOOK_OPEN, PAGE_READY_TIMEOUT_S * scale, arg=path)
    if state != "ready":
        raise RuntimeError(f"{path}: JupyterLab asked instead of opening the notebook: {state}")
    page.evaluate(_PAGE_HELPERS)


def _run_all(page: Page, report: Report) -> bool:
    """Run all cells and wait for the kernel to be idle; False (with a problem noted) on timeout."""
    page.evaluate(_START_RUN_ALL)
    try:
        state = _wait(page, _RUN_ALL_FINISHED, report.run_all_budget_s)
    except PlaywrightTimeout:
        busy = page.evaluate("() => window.__notebookCheck.busyCell()")
        status = page.evaluate("() => window.__notebookCheck.kernelStatus()")
        _count_cells(page, report)
        where = f"cell #{busy + 1} still running" if busy >= 0 else "no cell shown running"
        report.problems.append(f"Run All did not finish within {report.run_all_budget_s:.0f} s (the budget "
                               f"for this notebook at time scale {report.time_scale}): {report.cells_run} "
                               f"of {report.code_cells} code cells had run, {where}, kernel {status}")
        return False
    if state != "done":
        report.problems.append(f"JupyterLab opened a dialog during Run All: {state}")
        return False
    failed = page.evaluate("() => window.__runAll.error || null")
    if failed:
        report.problems.append(f"the Run All command failed: {failed}")
    try:
        _wait(page, "() => window.__notebookCheck.widgetsSettled()", WIDGETS_SETTLE_TIMEOUT_S * report.time_scale)
    except PlaywrightTimeout:
        pass  # the widgets still loading are reported as not rendered below
    return True


def _count_cells(page: Page, report: Report) -> dict:
    """Count the code cells and those that ran; return the page's summary of the notebook."""
    summary = page.evaluate("() => window.__notebookCheck.summary()")
    report.code_cells = sum(not c["empty"] for c in summary["cells"])
    report.cells_run = sum(bool(c["count"]) for c in summary["cells"] if not c["empty"])
    return summary


def _check_outputs(page: Page, report: Report, final: bool) -> None:
    """Note errors, cells that did not run, and widgets that are not rendered."""
    if final:
        summary = page.evaluate("() => window.__notebookCheck.summary()")
    else:
        summary = _count_cells(page, report)
        if report.cells_run < report.code_cells:
            report.problems.append(f"only {report.cells_run} of {report.code_cells} code cells ran")
        for cell in summary["cells"]:
            for out in cell["outputs"]:
                if out["type"] == "error":
                    where = f" at `{out['line'][:100]}`" if out["line"] else ""
                    report.problems.append(f"cell #{cell['index'] + 1} shows an error{where}: "
                                           f"{out['ename']}: {out['evalue']}")
        states = [o["widget"] for c in summary["cells"] for o in c["outputs"] if "widget" in o]
        report.widgets_displayed = len(states)
        report.widgets_rendered = states.count("rendered")
        report.widgets_closed = states.count("closed")
        for cell in summary["cells"]:
            for out in cell["outputs"]:
                state = out.get("widget")
                if state not in (None, "rendered", "closed"):
                    shown = "it shows 'Error displaying widget'" if state == "error" else state
                    report.problems.append(f"cell #{cell['index'] + 1}: a widget is not rendered ({shown})")
    when = "after moving the controls" if final else "after Run All"
    for nested in summary["nestedTracebacks"]:
        problem = f"cell #{nested['cell'] + 1}: a widget's output shows an error {when}: {nested['error']}"
        if problem not in report.problems:
            report.problems.append(problem)
    if summary["widgetErrorText"] and not any("Error displaying widget" in p for p in report.problems):
        report.problems.append(f"'Error displaying widget' is shown {when}")


def _signature(page: Page, view: str) -> dict:
    return page.evaluate("(tag) => window.__notebookCheck.signature(tag)", view)


def _wait_signature(page: Page, view: str, key: str, same: bool, timeout_s: float) -> bool:
    """Wait until the view's output is (``same``) or is not (not ``same``) the one with ``key``."""
    op = "===" if same else "!=="
    # Every 100 ms, not every animation frame: a signature clones and hashes the output's HTML, figures
    # included, and 60 of them a second would take CPU from the kernel whose callback it waits for.
    try:
        _wait(page, f"([tag, key]) => window.__notebookCheck.signature(tag).key {op} key",
              timeout_s, arg=[view, key], polling=100)
        return True
    except PlaywrightTimeout:
        return False


def _slider_position(handle: Locator) -> str:
    """Where a slider's handle is: its value, its readout and its exact offset (aria-valuenow is rounded)."""
    return handle.evaluate("h => [h.getAttribute('aria-valuenow'), h.getAttribute('aria-valuetext'), "
                           "h.parentElement.style.transform].join('|')")


def _press_and_wait(handle: Locator, key: str, timeout_s: float) -> bool:
    """Press ``key`` on a slider's handle; True once the handle has moved, False if it stays put."""
    before = _slider_position(handle)
    handle.press(key)
    try:
        handle.page.wait_for_function(
            "([h, before]) => [h.getAttribute('aria-valuenow'), h.getAttribute('aria-valuetext'), "
            "h.parentElement.style.transform].join('|') !== before",
            arg=[handle.element_handle(), before], timeout=timeout_s * 1000, polling=100)
        return True
    except PlaywrightTimeout:
        return False  # at the end of its range


def _change(page: Page, control: dict, scale: float):
    """Move one control; return (what was done, how to undo it), or (reason, None) if it cannot move."""
    loc = page.locator(f'[data-notebook-check-control="{control["tag"]}"]')
    kind = control["kind"]
    if kind == "slider":
        original = _slider_position(loc)
        now, low, high = (float(loc.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
        # Move towards the side with more room, so a slider at its end still moves.
        key, back = ("ArrowRight", "ArrowLeft") if now - low <= high - now else ("ArrowLeft", "ArrowRight")
        moved = 0
        move_s = SLIDER_MOVE_TIMEOUT_S * scale
        while moved < SLIDER_STEPS and _press_and_wait(loc, key, move_s):
            moved += 1
        if not moved:
            return "the slider did not move with the arrow keys", None
        text = loc.get_attribute("aria-valuetext")

        def undo() -> None:
            for _ in range(2 * SLIDER_STEPS):
                if _slider_position(loc) == original or not _press_and_wait(loc, back, move_s):
                    return
        return f"{key} x{moved} (now {text})", undo
    if kind == "dropdown":
        current = loc.input_value()
        options = loc.evaluate("s => [...s.options].filter(o => !o.disabled).map(o => o.value)")
        other = next((o for o in options if o != current), None)
        if other is None:
            return "the dropdown has a single option", None
        loc.select_option(value=other)
        return f"picked option {other[:40]!r}", lambda: loc.select_option(value=current)
    if kind in ("toggle buttons", "radio buttons"):
        item = "button" if kind == "toggle buttons" else "input[type=radio]"
        chosen = ".mod-active" if kind == "toggle buttons" else ":checked"
        states = loc.locator(item).evaluate_all(
            f"els => els.map(e => [e.matches('{chosen}'), e.disabled, (e.innerText || e.value).trim()])")
        target = next((i for i, (on, off, _) in enumerate(states) if not on and not off), None)
        if target is None:
            return "no other choice to click", None
        original = next((i for i, (on, _, _) in enumerate(states) if on), None)
        loc.locator(item).nth(target).click()

        def undo() -> None:
            if original is not None:
                loc.locator(item).nth(original).click()
        return f"clicked {states[target][2][:40]!r}", undo
    if kind == "check box":
        loc.click()
        return "toggled it", loc.click
    # A text or number box: type a new value, then commit it as leaving the box would.
    current = loc.input_value()
    if kind == "number box":
        step = -1 if loc.get_attribute("max") and float(current or 0) + 1 > float(loc.get_attribute("max")) else 1
        new = str(int(float(current or 0)) + step)
    else:
        new = f"{current} The quick brown fox jumps over the lazy dog."

    def type_text(value: str) -> None:
        loc.fill(value)
        loc.dispatch_event("change")
    type_text(new)
    return f"typed {new[-40:]!r}", lambda: type_text(current)


def _exercise_widgets(page: Page, report: Report, change_timeout_s: float) -> None:
    """Move every control of every widget: its output must change. Each is moved back before the next."""
    for view in page.evaluate("() => window.__notebookCheck.tagViews()"):
        if not view["controls"]:
            continue
        report.interactive_widgets += 1
        responded, failed = len(report.interactions), len(report.problems)
        for control in view["controls"]:
            name = f"widget in cell #{view['cell'] + 1}, {control['kind']} {control['label']!r}"
            before = _signature(page, view["tag"])
            try:
                action, undo = _change(page, control, report.time_scale)
            except PlaywrightTimeout as error:
                report.problems.append(f"{name}: could not be moved: {error.message.splitlines()[0]}")
                continue
            if undo is None:
                report.notes.append(f"{name}: not moved: {action}")
                continue
            if not _wait_signature(page, view["tag"], before["key"], same=False, timeout_s=change_timeout_s):
                where = "its output" if view["hasOutput"] else "no widget output in the notebook"
                report.problems.append(f"{name}: {action}, but {where} did not change within "
                                       f"{change_timeout_s:.0f} s (it shows: {before['text'][:120]!r})")
            else:
                after = _signature(page, view["tag"])
                if after["error"]:
                    report.problems.append(f"{name}: {action}: the output shows an error: {after['error']}")
                else:
                    report.interactions.append(f"{name}: {action}: output changed")
            try:
                undo()
            except PlaywrightTimeout as error:
                report.notes.append(f"{name}: could not be moved back: {error.message.splitlines()[0]}")
                continue
            if not _wait_signature(page, view["tag"], before["key"], same=True,
                                   timeout_s=RESTORE_TIMEOUT_S * report.time_scale):
                report.notes.append(f"{name}: moved back, but the output did not return to what it was")
        # A control that could not be moved proves nothing: the widget must respond to one at least.
        if len(report.interactions) == responded and len(report.problems) == failed:
            report.problems.append(f"widget in cell #{view['cell'] + 1}: none of its {len(view['controls'])} "
                                   "controls was seen to change its output")


def save_screenshot(page: Page, path: Path) -> None:
    """A full-page screenshot in which the whole notebook is visible (up to a height limit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.evaluate(_SCROLL_HEIGHT)
    height = min(size["window"] + size["content"] - size["visible"], SCREENSHOT_MAX_HEIGHT)
    if height > size["window"]:
        page.set_viewport_size({"width": page.viewport_size["width"], "height": int(height)})
        try:  # JupyterLab lays out again after the resize; wait until the notebook fills it
            _wait(page, f"() => window.jupyterapp.shell.currentWidget.content.outerNode.clientHeight > "
                        f"{size['visible']}", 10)
        except PlaywrightTimeout:
            pass  # a smaller screenshot is still worth keeping
    page.screenshot(path=str(path), full_page=True)


def _finish(page: Page, report: Report, screenshot: Path | None) -> None:
    """Keep a screenshot and shut the kernel down; a failure here is noted, never raised over the real one."""
    try:
        if screenshot is not None:
            save_screenshot(page, screenshot)
    except PlaywrightError as error:
        report.notes.append(f"no screenshot: {error.message.splitlines()[0]}")
    try:
        # Free the kernel's memory before the next notebook starts its own.
        page.evaluate("""async () => {
          const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
          if (panel && panel.sessionContext) await panel.sessionContext.shutdown();
        }""")
    except PlaywrightError as error:
        report.notes.append(f"kernel not shut down from the page: {error.message.splitlines()[0]}")


def check_notebook(page: Page, lab: LabServer, path: str, screenshot: Path | None = None,
                   change_timeout_s: float = CHANGE_TIMEOUT_S, run_all_budget_s: float | None = None,
                   scale: float | None = None) -> Report:
    """Open ``path`` (relative to the server's root) in JupyterLab, run it, and report what it shows.

    ``change_timeout_s`` is how long a widget's output may take to change after a control moves, on
    the reference machine; every budget is multiplied by ``scale`` (default: budgets.time_scale()).
    Run All's budget, already scaled, is ``run_all_budget_s`` or else budgets.run_all_budget's.
    """
    scale = time_scale() if scale is None else scale
    if run_all_budget_s is None:
        run_all_budget_s = run_all_budget(lab.root / path, scale)
    report = Report(path, time_scale=scale, run_all_budget_s=run_all_budget_s)
    start = time.monotonic()
    try:
        _open(page, lab, path, scale)
        if _run_all(page, report):
            _check_outputs(page, report, final=False)
            _exercise_widgets(page, report, change_timeout_s * scale)
            _check_outputs(page, report, final=True)
    finally:
        report.seconds = round(time.monotonic() - start, 1)
        _finish(page, report, screenshot)
    return report
