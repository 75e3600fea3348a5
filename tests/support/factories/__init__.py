"""factory-boy factories for every app's rows; units come from the loaded organisation, never invented."""
