"""Supplier choice for direct shipment: plain Python, no ORM."""

from .choice import Candidate, choose

__all__ = ["Candidate", "choose"]
