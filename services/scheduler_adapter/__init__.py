"""The Scheduler service: the clinic's calendar behind one API.

Layers, outermost first:

* ``server.SchedulerServicer`` translates protobuf requests to domain calls and back
  (``build_servicer`` wires everything from a database URL and the clinic configuration);
* ``scheduling.SchedulingService`` issues a verification proof on a successful VerifyIdentity
  and requires it (for that call and patient, unexpired) on every read or write of patient data
  (``verification``, ``verification_store``), refuses verification over the failure limits,
  writes an audit record for every read or write of patient data and publishes
  ``AppointmentChanged`` events;
* a ``backend.SchedulerBackend`` stores the calendar: ``sql_backend.SqlBackend`` (SQLite or
  PostgreSQL through SQLAlchemy); a FHIR R4 backend can implement the same Protocol later.

``seed.seed_demo`` fills a database with the demo clinic's slots and patients.
"""
