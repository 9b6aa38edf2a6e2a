"""The hook runner's own test: python3 -m unittest discover -s lambdas/hook-runner"""

import unittest

from handler import handler


class HandlerTest(unittest.TestCase):
    def test_runs_the_script_with_its_env_and_joins_stderr(self):
        script = "import os, sys\nprint(os.environ['HOOP_AWS_CONNECT_REQUEST'])\nprint('to stderr', file=sys.stderr)\nsys.exit(3)\n"
        result = handler({"script": script, "env": {"HOOP_AWS_CONNECT_REQUEST": '{"sid": "x"}'}, "timeout_seconds": 10}, None)
        self.assertEqual(result["exit_code"], 3)
        self.assertEqual(result["output"], '{"sid": "x"}\nto stderr\n')
        self.assertGreaterEqual(result["execution_time_sec"], 0)

    def test_kills_a_script_past_the_timeout(self):
        result = handler({"script": "import time\nprint('started', flush=True)\ntime.sleep(30)\n", "env": {}, "timeout_seconds": 1}, None)
        self.assertEqual(result["exit_code"], -1)
        self.assertIn("started", result["output"])
        self.assertIn("ran past 1 s", result["output"])
        self.assertLess(result["execution_time_sec"], 10)

    def test_keeps_dbroles_own_environment_from_the_script(self):
        import os

        os.environ["VAULT_TOKEN"] = "must-not-leak"
        result = handler({"script": "import os\nprint(os.environ.get('VAULT_TOKEN'))\n", "env": {}, "timeout_seconds": 10}, None)
        self.assertEqual(result["output"], "None\n")


if __name__ == "__main__":
    unittest.main()
