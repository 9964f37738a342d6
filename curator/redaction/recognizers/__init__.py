"""Presidio recognizers by family: secrets, phones, persons, network, financial."""
