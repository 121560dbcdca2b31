"""Normalizers: turn messy declared project metadata (licences, BOMs, manifests, maturity) into plain values."""
