"""What every app's REST API shares: the JSON error contract, the JSON parser, the base view, pagination and
permissions that ask a policy. Each app keeps only its own endpoints, serializers and URLs."""
