"""Tests of the Home Assistant custom integration `custom_components/reolink_server`."""
