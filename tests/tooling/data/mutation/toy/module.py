"""A module in miniature (it becomes reference/chain.py of a toy project):
test_mutation.py checks which tests the mutation runner finds for each of
its functions. toy_tests.py says which tests run what."""


def shared(x):
    return x + 1


def first_only(x):
    return x - 1


def in_a_thread(x):
    return x + 2


def in_a_child(x):
    return x + 3


def at_import(x):
    return x + 4


def never(x):
    return x + 5


LOADED = at_import(0)
