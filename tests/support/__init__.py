"""Helpers shared by the test modules: builders, local servers, clocks and factories."""
