"""The run specification: workload, design, mapping, simulation, thermal; YAML loading."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from pimnoc.errors import ConfigError, suggest
from pimnoc.hardware.digital import DigitalTech
from pimnoc.hardware.interfaces import DEFAULT_INTERFACE, ChipletInterface, chiplet_interface
from pimnoc.hardware.tech import (
    DEFAULT_PRESET,
    PE_PRESETS,
    NetworkTech,
    PeTech,
    pe_preset_tech,
)


class Strict(BaseModel):
    """A config section that rejects unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Open(BaseModel):
    """A config section whose extra keys are parameters of a named builder."""

    model_config = ConfigDict(extra="allow", frozen=True)

    def params(self) -> dict[str, Any]:
        """The extra keys given by the user."""
        return dict(self.model_extra or {})


FRACTION_KEYS = frozenset({"input_density"})
"""Technology parameters that are fractions: allowed in [0, 1]."""

INT_MINIMUM = {"router_alloc_stages": 0, "router_delay_ports": 2,
               "router_reference_ports": 2}
"""Integer technology parameters whose least value is not 1 (0: no such stage; a router
has at least 2 ports)."""

POSITIVE_FLOAT_KEYS = frozenset({
    "adc_rate_gsps", "cell_ron_ohm", "cell_roff_ohm", "read_voltage_v", "read_pulse_ns",
    "freq_ghz", "crossbar_area_um2", "adc_area_um2", "area_mm2", "tsv_pitch_um",
    "miv_pitch_um", "buffer_cycle_ns",
})
"""Float technology parameters that must be > 0 (a rate, a resistance, a size)."""


def _ranged(name: str, kind: Any) -> tuple[Any, Any]:
    """The pydantic type and range of one technology parameter (optional: None keeps it).

    Integers are discrete counts or widths (>= 1, or >= 0 where 0 means none); floats are
    finite and >= 0 (energies, leakage, areas, delays), > 0 for rates and sizes, and in
    [0, 1] for fractions.
    """
    if kind is bool:
        return (bool | None, Field(default=None))
    if kind is int:
        low = INT_MINIMUM.get(name, 1)
        return (int | None, Field(default=None, ge=low, strict=False))
    if name in FRACTION_KEYS:
        return (float | None, Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False))
    if name in POSITIVE_FLOAT_KEYS:
        return (float | None, Field(default=None, gt=0.0, allow_inf_nan=False))
    return (float | None, Field(default=None, ge=0.0, allow_inf_nan=False))


def _optional_fields(cls: type, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    hints = get_type_hints(cls)
    return {f.name: _ranged(f.name, hints[f.name]) for f in fields(cls) if f.name not in skip}


PRESET_ONLY_KEYS = frozenset({"conventions"})
"""PeTech fields a preset sets and design.pe cannot (they select a model, not a number)."""

PeSpec = create_model("PeSpec", __base__=Strict,
                      **_optional_fields(PeTech, PRESET_ONLY_KEYS))
INTERFACE_KEYS = frozenset({"chiplet_link_gbps", "d2d_latency_ns"})
"""NetworkTech fields set by design.noi.interface (overridden there, not in design.network)."""

NetworkTechSpec = create_model("NetworkTechSpec", __base__=Strict,
                               **_optional_fields(NetworkTech, INTERFACE_KEYS))


class ArrivalsSpec(Strict):
    """When a network's inferences arrive (event engine): exactly one of a batch at t = 0,
    Poisson arrivals (seeded by mapping.seed), or a CSV trace with a `time_s` column."""

    batch: int | None = Field(None, gt=0)
    poisson_ips: float | None = Field(None, gt=0, allow_inf_nan=False)
    count: int | None = Field(None, gt=0)
    trace: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ArrivalsSpec:
        kinds = [k for k in ("batch", "poisson_ips", "trace") if getattr(self, k) is not None]
        if len(kinds) > 1:
            raise ValueError(f"give one of batch, poisson_ips or trace, not {' and '.join(kinds)}")
        if (self.poisson_ips is None) != (self.count is None):
            raise ValueError("poisson_ips and count go together: {poisson_ips: RATE, count: N}")
        return self

    @property
    def kind(self) -> str:
        """batch, poisson or trace."""
        return "poisson" if self.poisson_ips is not None else (
            "trace" if self.trace is not None else "batch")


class NetworkSpec(Strict):
    """One DNN of the workload: a zoo name or a path to an .onnx file."""

    model: str
    input_hw: int | None = Field(None, gt=0)  # None: the model's own (CIFAR 32, else 224)
    num_classes: int | None = Field(None, gt=0)
    seq_len: int | None = Field(None, gt=0)
    name: str | None = None
    arrivals: ArrivalsSpec = ArrivalsSpec()


class WorkloadSpec(Strict):
    """The networks that run concurrently."""

    networks: list[NetworkSpec] = Field(min_length=1)


class GridSize(Strict):
    """A rows x cols grid."""

    rows: int = Field(gt=0)
    cols: int = Field(gt=0)


class TopologySpec(Open):
    """A topology by registered name, with its builder's parameters as extra keys."""

    topology: str = "mesh"
    boundary: Literal["center", "corner"] = "center"


class InterfaceSpec(Strict):
    """A chiplet I/O preset (hardware/interfaces.py) with any of its fields overridden."""

    preset: str = DEFAULT_INTERFACE
    lanes: int | None = Field(None, ge=1)
    gbps_per_lane: float | None = Field(None, gt=0.0, allow_inf_nan=False)
    energy_pj_per_bit: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    latency_ns: float | None = Field(None, ge=0.0, allow_inf_nan=False)
    bump_pitch_um: float | None = Field(None, gt=0.0, allow_inf_nan=False)
    area_mm2: float | None = Field(None, ge=0.0, allow_inf_nan=False)

    def interface(self) -> ChipletInterface:
        """The preset with the given fields overridden."""
        return chiplet_interface(self.preset, self.model_dump(exclude={"preset"}))


class NoiSpec(TopologySpec):
    """The network-on-interposer: its topology, chiplet I/O interface and ports per chiplet."""

    interface: str | InterfaceSpec = DEFAULT_INTERFACE
    ports_per_chiplet: int = Field(1, ge=1)

    def interface_spec(self) -> InterfaceSpec:
        """The interface as a preset plus overrides."""
        given = self.interface
        return InterfaceSpec(preset=given) if isinstance(given, str) else given


DigitalSpec = create_model(
    "DigitalSpec", __base__=Strict,
    fraction=(float, Field(gt=0.0, lt=1.0)),
    placement=(str, "interleaved"),
    **_optional_fields(DigitalTech),
)
DigitalSpec.__doc__ = (
    "Digital PEs of a heterogeneous design: the share of PE nodes that are digital, where "
    "they go (hardware/heterogeneous.py), and any DigitalTech parameter (hardware/digital.py)."
)


class DesignSpec(Strict):
    """The hardware: integration, sizes, networks and technology overrides."""

    # whose conventions and default constants the PE follows (hardware/tech.py PE_PRESETS);
    # design.pe keys apply on top
    preset: str = DEFAULT_PRESET
    integration: Literal["2d", "2.5d", "3d"] = "2.5d"
    chiplets: GridSize = GridSize(rows=1, cols=1)
    pes: GridSize
    tiers: int = Field(1, gt=0)
    vertical: Literal["tsv", "miv"] = "tsv"
    noc: TopologySpec = TopologySpec()
    noi: NoiSpec = NoiSpec()
    pe: PeSpec = PeSpec()  # type: ignore[valid-type]
    network: NetworkTechSpec = NetworkTechSpec()  # type: ignore[valid-type]
    digital: DigitalSpec | None = None  # type: ignore[valid-type]
    power_gating: bool = True  # idle PEs and routers leak nothing (hardware/leakage.py)

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PE_PRESETS:
            raise ValueError(f"unknown preset {value!r}; allowed values: "
                             f"{', '.join(PE_PRESETS)}")
        return value


class MappingSpec(Strict):
    """How layers are replicated and placed."""

    placement: str = "hilbert"
    replication: Literal["auto", "none"] | Annotated[int, Field(ge=1)] = "auto"
    seed: int = 0
    thermal_weight: float = Field(0.5, ge=0.0, le=1.0)  # thermal_sfc: 0 performance, 1 heat


class SimulationSpec(Open):
    """Which network engine runs, and its parameters as extra keys."""

    engine: str = "analytical"
    routing: str | None = None
    # fitted (default): between the two, as fitted to the event engine; true: layers of one
    # inference overlap row by row; false: layer by layer (engines/analytical/latency.py)
    layer_overlap: bool | Literal["fitted"] = "fitted"
    rate_ips: float | None = Field(None, gt=0)  # offered inferences/s; None: the most it sustains
    # event engine (engines/event): task size, layer-by-layer barrier, network backend
    granularity: Literal["rows", "layer"] = "rows"
    layer_barrier: bool = False
    network: Literal["flow", "flit"] = "flow"  # flit: closed loop over the flit kernel
    max_row_blocks: int = Field(256, gt=0)  # tasks per layer and PE at most (assumption)
    header_flits: int = Field(0, ge=0)  # head flits per packet on top of the payload
    # serial: one task at a time per PE; per_layer: a PE's layers (own crossbars) run at once
    pe_sharing: Literal["serial", "per_layer"] = "serial"

    @field_validator("engine")
    @classmethod
    def _cycle_engine_removed(cls, value: str) -> str:
        if value == "cycle":
            raise ValueError("engine: cycle was removed (it patched packet latencies into the "
                             "analytical formula); the flit-level network on a workload is "
                             "now simulation: {engine: event, network: flit}")
        return value


class ThermalSpec(Open):
    """Whether to add the thermal and accuracy results, and the thermal model's parameters."""

    enabled: bool = False


class RunSpec(Strict):
    """A whole run: what to evaluate, on what, and how."""

    workload: WorkloadSpec
    design: DesignSpec
    mapping: MappingSpec = MappingSpec()
    simulation: SimulationSpec = SimulationSpec()
    thermal: ThermalSpec = ThermalSpec()

    def pe_tech(self) -> PeTech:
        """The PE technology with this run's overrides applied."""
        given = {k: v for k, v in self.design.pe.model_dump().items() if v is not None}
        return pe_preset_tech(self.design.preset, given)

    def digital_tech(self) -> DigitalTech | None:
        """The digital PE technology with overrides, or None for a ReRAM-only design."""
        if self.design.digital is None:
            return None
        given = {k: v for k, v in self.design.digital.model_dump().items()
                 if v is not None and k not in ("fraction", "placement")}
        return DigitalTech(**given)

    def network_tech(self) -> NetworkTech:
        """The network technology with this run's overrides applied."""
        iface = self.design.noi.interface_spec().interface()
        given = {"interposer_pj_per_bit": iface.energy_pj_per_bit,
                 "chiplet_link_gbps": iface.bandwidth_bps / 1e9,
                 "d2d_latency_ns": iface.latency_ns}
        # design.network keys win (interposer_pj_per_bit may be given there, as before)
        given.update({k: v for k, v in self.design.network.model_dump().items()
                      if v is not None})
        return NetworkTech(**given)

    def chiplet_interface(self) -> ChipletInterface:
        """The die-to-die interface of this design (its preset with overrides)."""
        return self.design.noi.interface_spec().interface()


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class found by following `loc` from `model`."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        current = next((c for c in candidates
                        if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def format_validation_error(exc: ValidationError, root: type[BaseModel] = RunSpec) -> str:
    """One readable line per problem, naming the dotted key and the fix."""
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            parent = _model_at(root, loc[:-1])
            names = list(parent.model_fields) if parent else []
            hint = suggest(str(loc[-1]), names)
            allowed = f"; allowed keys: {', '.join(names)}" if names else ""
            lines.append(f"{key}: unknown key{hint}{allowed}")
        elif err["type"] == "missing":
            lines.append(f"{key}: required key is missing; add it")
        else:
            lines.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
    return "; ".join(lines)


IGNORED_DESIGN_KEYS: dict[str, tuple[str, ...]] = {
    "2d": ("chiplets", "tiers", "noi", "vertical"),
    "2.5d": ("tiers", "vertical"),
    "3d": ("chiplets", "noi"),
}
"""Design keys an integration does not use (system.py, stack3d.py): setting them is a mistake."""

ZOO_ONLY_KEYS = ("num_classes", "seq_len")
"""Network keys that shape a zoo model; an ONNX file fixes them itself."""


def check_relevant_keys(spec: RunSpec, source: str = "config") -> None:
    """Raise ConfigError for a key that would silently do nothing in this run.

    A key counts as given when it differs from its default, so a spec written back out in
    full (with defaults) still passes.
    """
    design = spec.design
    defaults = DesignSpec.model_fields
    for key in IGNORED_DESIGN_KEYS[design.integration]:
        if getattr(design, key) != defaults[key].default:
            used = {"2d": "one die", "2.5d": "chiplets on an interposer",
                    "3d": "stacked tiers"}[design.integration]
            raise ConfigError(
                f"{source}: design.{key}: has no effect with integration "
                f"{design.integration} ({used}); remove it or set design.integration to "
                f"{'2.5d' if key in ('chiplets', 'noi') else '3d'}")
    for i, net in enumerate(spec.workload.networks):
        if not net.model.endswith(".onnx"):
            continue
        for key in ZOO_ONLY_KEYS:
            if getattr(net, key) is not None:
                raise ConfigError(
                    f"{source}: workload.networks[{i}].{key}: has no effect on an ONNX model "
                    f"({net.model} fixes it); remove it or re-export the model")


def parse_run(data: Any, source: str = "config", check_keys: bool = True) -> RunSpec:
    """Validate a run dictionary into a RunSpec, raising ConfigError on any problem.

    `check_keys=False` skips `check_relevant_keys`: a sweep over `design.integration` keeps
    one base whose keys matter to some of its points only.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping with keys workload, "
                          "design, mapping, simulation, thermal")
    try:
        spec = RunSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {format_validation_error(exc)}") from None
    try:
        spec.chiplet_interface()
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    if check_keys:
        check_relevant_keys(spec, source)
    return spec


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(
                    f"{self.name}: duplicate key '{key}' at line {line} (first at line "
                    f"{seen[key]}); the second would silently replace the first: merge them")
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file, turning I/O and syntax problems into ConfigError."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the file ({exc.strerror}); check the path"
        ) from None
    try:
        loader = UniqueKeyLoader(text)
        loader.name = str(path)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}; fix the syntax") from None


def load_run(path: str | Path) -> RunSpec:
    """Load and validate a run YAML; relative model paths resolve against the file's folder."""
    path = Path(path)
    data = read_yaml(path)
    spec = parse_run(data, str(path))
    networks = []
    for net in spec.workload.networks:
        if net.model.endswith(".onnx") and not Path(net.model).is_absolute():
            net = net.model_copy(update={"model": str((path.parent / net.model).resolve())})
        trace = net.arrivals.trace
        if trace is not None and not Path(trace).is_absolute():
            arrivals = net.arrivals.model_copy(
                update={"trace": str((path.parent / trace).resolve())})
            net = net.model_copy(update={"arrivals": arrivals})
        networks.append(net)
    return spec.model_copy(update={"workload": WorkloadSpec(networks=networks)})
