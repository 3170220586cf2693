"""The Scheduler service: the clinic's calendar behind one API.

Layers, outermost first:

* ``server.SchedulerServicer`` translates protobuf requests to domain calls and back
  (``build_servicer`` wires everything from a database URL and the clinic configuration);
* ``scheduling.SchedulingService`` checks that the call's verified patient is the one asked
  about, writes an audit record for every read or write of patient data and publishes
  ``AppointmentChanged`` events;
* a ``backend.SchedulerBackend`` stores the calendar: ``sql_backend.SqlBackend`` (SQLite or
  PostgreSQL through SQLAlchemy); a FHIR R4 backend can implement the same Protocol later.

``seed.seed_demo`` fills a database with the demo clinic's slots and patients.
"""
