"""The phi_filter service: PHI redaction as a service (Redact, RedactStream, Scan) and the leak
detector that scans published events and log files for identifiers that got out."""
