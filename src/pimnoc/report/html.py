"""A self-contained HTML report of one evaluation: headline table, figures, top layers/links."""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path

from pimnoc.report.plots import write_run_plots
from pimnoc.result import Result, write_text_atomic


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table>{body}</table>"


def _grid(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def headline_rows(result: Result) -> list[tuple[str, str]]:
    """The figures shown at the top of the report."""
    e = result.energy_j
    rows = [
        ("latency per inference (s)", _fmt(result.latency_s)),
        ("throughput (inferences/s)", _fmt(result.throughput_ips)),
        ("inference interval (s)", f"{_fmt(result.interval_s)} ({result.bottleneck}-bound)"),
        ("energy per inference (J)", _fmt(e["total"])),
    ]
    rows += [(f"  {part} energy (J)", _fmt(e[part]))
             for part in ("compute", "router", "link", "leakage")]
    rows += [
        ("EDP (J·s)", _fmt(result.edp_js)),
        ("silicon area (mm²)", _fmt(result.area_mm2)),
        ("links / wire (mm) / router ports",
         f"{result.links} / {_fmt(result.wire_length_mm)} / {result.router_ports}"),
        ("PEs used / crossbars", f"{result.pes_used} / {result.crossbars_used}"),
    ]
    for key in ("peak_temperature_k", "accuracy_estimate"):
        if key in result.extra:
            rows.append((key, _fmt(result.extra[key])))
    return rows


def render_html(evaluation, title: str) -> str:
    """The report as one HTML string with the figures embedded."""
    result = evaluation.result
    with tempfile.TemporaryDirectory() as tmp:
        images = [base64.b64encode(Path(p).read_bytes()).decode()
                  for p in write_run_plots(evaluation, tmp)]
    figures = "".join(f'<img src="data:image/png;base64,{img}">' for img in images)
    slow = sorted(result.per_layer, key=lambda r: r["compute_s"] + r["comm_in_s"], reverse=True)
    layer_rows = [[r["name"], r["op"], str(r["replication"]), str(r["pes"]),
                   _fmt(r["compute_s"]), _fmt(r["comm_in_s"]),
                   _fmt(r["compute_energy_j"] + r["network_energy_j"])] for r in slow[:15]]
    busy = sorted(result.per_link, key=lambda r: r["utilisation"], reverse=True)
    link_rows = [[f"{r['src']}→{r['dst']}", r["kind"], _fmt(r["length_mm"]),
                  _fmt(r["load_bits"]), f"{r['utilisation']:.1%}"] for r in busy[:15]]
    style = ("body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "table{border-collapse:collapse;margin:1em 0}"
             "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
             "img{max-width:100%;display:block;margin:1em 0}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><style>{style}</style></head><body><h1>{html.escape(title)}</h1>"
            f"{_table(headline_rows(result))}<h2>Figures</h2>{figures}"
            "<h2>Slowest layers</h2>"
            + _grid(["layer", "op", "copies", "PEs", "compute (s)", "comm in (s)",
                     "energy (J)"], layer_rows)
            + "<h2>Busiest links</h2>"
            + _grid(["link", "kind", "length (mm)", "bits/inference", "utilisation"],
                    link_rows)
            + "</body></html>")


def write_html(evaluation, path: str | Path, title: str) -> Path:
    """Write the report atomically."""
    return write_text_atomic(render_html(evaluation, title), path)
