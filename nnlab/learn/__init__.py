"""The Keras side, imported in worker processes and scripts only, never by the app.

`training` (the data feed and `fit_spec`), `callbacks` (the Keras callbacks of one run),
`schedules` (the learning rate in Keras), `lr_finder`, `diagnostics` (the probe and its
statistics), `model` (spec -> Keras model), `model_files` (`.keras` files, loaded safely) and
`keras_network` (a Keras model -> a NumPy `Network`).
"""
