"""The audience handoff: RFM segments become campaign audiences at their destinations."""
