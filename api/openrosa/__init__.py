"""An OpenRosa 1.0 server (form list, form download, manifests, submissions) for ODK Collect,
KoboCollect and Enketo: the same users, rules and commands as the JSON API."""
