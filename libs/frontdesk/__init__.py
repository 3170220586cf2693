"""Frontdesk's contract (generated protobuf code under ``frontdesk.v1``) and its command line."""
