"""A self-contained HTML report of one evaluation: the design and its run file, headline and
per-network tables, figures, slowest layers and busiest links (named by place and kind)."""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path

import yaml

from pimnoc import __version__
from pimnoc.hardware.topology import DIGITAL, IO, NOI_ROUTER
from pimnoc.report.plots import write_run_plots
from pimnoc.result import Result, write_text_atomic
from pimnoc.units import engineering


def _table(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table>{body}</table>"


def _grid(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _share(part: float, total: float) -> str:
    return f" ({part / total:.0%})" if total > 0 else ""


def headline_rows(result: Result) -> list[tuple[str, str]]:
    """The figures shown at the top of the report, in engineering units."""
    e = result.energy_j
    rows = [
        ("latency per inference", engineering(result.latency_s, "s")),
        ("throughput", f"{result.throughput_ips:,.1f} inferences/s"),
        ("inference interval", f"{engineering(result.interval_s, 's')} "
                               f"({result.bottleneck}-bound)"),
        ("energy per inference", engineering(e["total"], "J")),
    ]
    rows += [(f"  {part} energy", engineering(e[part], "J") + _share(e[part], e["total"]))
             for part in ("compute", "router", "link", "leakage")]
    rows += [
        ("EDP", f"{result.edp_js:.4g} J·s"),
        ("silicon area", f"{result.area_mm2:,.2f} mm²"),
        ("links / wire / router ports",
         f"{result.links} / {result.wire_length_mm:,.1f} mm / {result.router_ports}"),
        ("PEs used / crossbars", f"{result.pes_used} / {result.crossbars_used:,}"),
    ]
    if "peak_temperature_k" in result.extra:
        rows.append(("peak temperature", f"{result.extra['peak_temperature_k']:.1f} K"))
    if "accuracy_estimate" in result.extra:
        rows.append(("accuracy estimate", f"{result.extra['accuracy_estimate']:.2%}"))
    rows.append(("evaluation time", engineering(result.wall_s, "s")))
    rows += [("warning", message) for message in result.extra.get("warnings", [])]
    return rows


def design_rows(evaluation) -> list[tuple[str, str]]:
    """What was evaluated: integration, sizes, networks, mapping, engine, pimnoc version."""
    spec, pe = evaluation.spec, evaluation.pe
    d = spec.design
    sizes = f"{d.pes.rows} x {d.pes.cols} PEs"
    if d.integration == "2.5d":
        sizes = f"{d.chiplets.rows} x {d.chiplets.cols} chiplets of {sizes}"
    elif d.integration == "3d":
        sizes = f"{d.tiers} tiers of {sizes} ({d.vertical.upper()} vertical links)"
    network = f"NoC {d.noc.topology}" + (f", NoI {d.noi.topology}"
                                         if d.integration == "2.5d" else "")
    workload = ", ".join(
        n.model + (f" @ {n.input_hw}" if n.input_hw else "")
        + (f", {n.seq_len} tokens" if n.seq_len else "") for n in spec.workload.networks)
    rows = [
        ("pimnoc version", __version__),
        ("integration", d.integration),
        ("size", sizes),
        ("network", network),
        ("PE", f"{pe.crossbars} crossbars of {pe.crossbar_rows} x {pe.crossbar_cols} cells"),
        ("workload", workload),
        ("mapping", f"placement {spec.mapping.placement}, replication "
                    f"{spec.mapping.replication}"),
        ("engine", spec.simulation.engine),
    ]
    if d.digital is not None:
        rows.insert(4, ("digital PEs", f"{d.digital.fraction:.0%} of the PE nodes, placed "
                                       f"{d.digital.placement}"))
    return rows


def node_name(topo, node: int) -> str:
    """A node by place: chiplet and (x, y) for 2.5D, tier and (x, y) for 3D, kind if not a PE."""
    meta = topo.meta
    kind = {NOI_ROUTER: "NoI router ", IO: "I/O ", DIGITAL: "digital PE "}.get(
        int(topo.node_kind[node]), "PE ")
    x, y = (int(v) for v in topo.node_coord[node][:2])
    place = f"({x},{y})"
    if meta.get("integration") == "2.5d":
        place = f"chiplet {int(topo.node_chiplet[node])} {place}"
    elif meta.get("integration") == "3d":
        place = f"tier {int(topo.node_tier[node])} {place}"
    return f"{kind}{place} #{node}"


def link_rows(evaluation, count: int = 15) -> list[list[str]]:
    """The busiest links, each named by its ends' places and its kind."""
    topo = evaluation.topology
    busy = sorted(evaluation.result.per_link, key=lambda r: r["utilisation"], reverse=True)
    return [[f"{node_name(topo, r['src'])} → {node_name(topo, r['dst'])}", r["kind"],
             f"{r['length_mm']:.2f}", engineering(r["load_bits"], "b"),
             f"{r['utilisation']:.1%}"] for r in busy[:count]]


def layer_rows(result: Result, count: int = 15) -> list[list[str]]:
    """The slowest layers, with where they run."""
    slow = sorted(result.per_layer, key=lambda r: r["compute_s"] + r["comm_in_s"], reverse=True)
    names = [n["name"] for n in result.per_network]
    many = len(names) > 1
    rows = []
    for r in slow[:count]:
        copies = str(r["replication"]) if r.get("runs_on", "crossbars") == "crossbars" else "—"
        rows.append(([names[r["network"]]] if many else []) + [
            r["name"], r["op"], r.get("runs_on", ""), copies, str(r["pes"]),
            engineering(r["compute_s"], "s"), engineering(r["comm_in_s"], "s"),
            engineering(r["compute_energy_j"] + r["network_energy_j"], "J")])
    return rows


def network_rows(result: Result) -> list[list[str]]:
    """One row per concurrent network."""
    return [[n["name"], str(n["layers"]), str(n["pes"]), f"{n['crossbars']:,}",
             engineering(n["latency_s"], "s"), engineering(n["slowest_stage_s"], "s")]
            for n in result.per_network]


CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""The report loads nothing from outside itself; a browser refuses (and logs) any attempt."""

STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:auto;padding:0 1em}"
         "table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}"
         "img{max-width:100%;display:block;margin:1em 0}"
         "pre{background:#f5f5f5;padding:0.5em;overflow-x:auto}")


def render_html(evaluation, title: str, run_text: str | None = None) -> str:
    """The report as one HTML string with the figures embedded (no external request)."""
    result = evaluation.result
    with tempfile.TemporaryDirectory() as tmp:
        images = [base64.b64encode(Path(p).read_bytes()).decode()
                  for p in write_run_plots(evaluation, tmp)]
    figures = "".join(f'<img alt="figure {k + 1}" src="data:image/png;base64,{img}">'
                      for k, img in enumerate(images))
    if run_text is None:
        run_text = yaml.safe_dump(evaluation.spec.model_dump(mode="json", exclude_none=True),
                                  sort_keys=False)
    many = len(result.per_network) > 1
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<h2>Design</h2>{_table(design_rows(evaluation))}"
        f"<h2>Result</h2>{_table(headline_rows(result))}"
        "<h2>Networks</h2>"
        + _grid(["network", "layers", "PEs", "crossbars", "latency", "slowest stage"],
                network_rows(result))
        + f"<h2>Figures</h2>{figures}"
        "<h2>Slowest layers</h2>"
        + _grid((["network"] if many else []) + ["layer", "op", "runs on", "copies", "PEs",
                                                 "compute", "comm in", "energy"],
                layer_rows(result))
        + "<h2>Busiest links</h2>"
        + _grid(["link", "kind", "length (mm)", "load / inference", "utilisation"],
                link_rows(evaluation))
        + f"<h2>Run file</h2><pre>{html.escape(run_text)}</pre>"
        f"<p>pimnoc {html.escape(__version__)}</p></body></html>")


def write_html(evaluation, path: str | Path, title: str, run_text: str | None = None) -> Path:
    """Write the report atomically."""
    return write_text_atomic(render_html(evaluation, title, run_text), path)
