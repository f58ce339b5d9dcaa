"""Web forms: the public endpoint the embedded snippet reads forms from and sends submissions to."""
