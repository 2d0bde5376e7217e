"""baocao: the weekly report of a Văn phòng UBND, written from its systems' exports."""

__version__ = "0.1.0"
