"""What the chip is: technology, topology builders, system assembly, routing.

The registries of this stage fill here, from explicit imports: routing functions (DOR in
`routing`, up*/down* in `updown`) and integrations (2D and 2.5D in `system`, 3D in `stack3d`).
"""

from pimnoc.hardware import stack3d, updown

__all__ = ["stack3d", "updown"]
