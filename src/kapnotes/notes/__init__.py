"""The note pipeline: note formats build a format-neutral :class:`Note`; exporters turn it into bytes."""
