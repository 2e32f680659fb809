"""The use cases: one function for each thing a person does with the evidence.

Every interface (the CLI, the web app, the flows) calls these, so the access policy and the
audit record are applied here, once. Each function takes a unit of work (one transaction:
``evidence.ports.UnitOfWork``) and a ``Caller`` (who asks, from where), and depends only on
the ports, never on SQLAlchemy, Prefect, minio or FastAPI; the unit tests run them against
in-memory fakes of the ports.
"""
