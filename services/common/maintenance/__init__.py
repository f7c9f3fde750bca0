"""The Saturday maintenance window: its schedule, its state, how every process follows it
(``platform.maintenance``) and how every gRPC service enforces it (the call gate)."""
