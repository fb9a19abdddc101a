"""Reads of the annotation app, one module for each thing read: task candidates, threads, a user's tasks."""
