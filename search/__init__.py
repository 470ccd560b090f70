"""OpenSearch: index definition, indexing, query building. The only package that imports opensearch-py."""
