"""The rows of the feature table, one module per concept; `bridge.domain.features` puts them
together in one table (`FEATURES`)."""
