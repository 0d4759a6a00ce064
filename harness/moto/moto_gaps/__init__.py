"""Ephemera's fixes for moto 5.2.1, one module per AWS service.

Every public function here is a patch: it takes no arguments, changes moto in
process (before the server starts) and is registered in ../patches.py.
"""
