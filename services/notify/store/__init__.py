"""All of notify's SQL, one module per stage (the stage's own module holds the rules):

- ``views``: the case view (cases, parties, counsel, entries) and the account view
  (recipients, secondary addresses), kept from docket.events and auth.events;
- ``notices``: who receives an entry's NDA, who is served on paper, the notice rows;
- ``compose``: the NDAs waiting for their free-look links, and their rendered bodies;
- ``outgoing``: the one queue of every outgoing message (NDAs and account mail): claim,
  outcome, retry, dead letter, and the queue gauges;
- ``api``: what the gRPC API reads (a person's notices, a delivery, subscriptions).
"""
