"""Router: turns inbound messages into contacts, conversations and assigned leads."""
