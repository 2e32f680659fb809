pytest_plugins = [
    "tests.fixtures.env",
    "tests.fixtures.prefect",
    "tests.fixtures.prefect_server",
    "tests.fixtures.cli",
    "tests.fixtures.s3",
    "tests.fixtures.web",
    "tests.fixtures.bundles",
    "tests.fixtures.upload_jobs",
]
