"""The portal: plain HTML pages with a little JavaScript that call the edge REST API."""
